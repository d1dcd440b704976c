/** klepaas's `deployment_histories` table as its later versions left it: an environment column and rollback links. */
export const klepaasHistoryTable = `create table deployment_histories (
  id integer primary key, user_id varchar(255) not null, github_owner varchar(255) not null, github_repo varchar(255) not null,
  github_commit_sha varchar(255), github_commit_message text, sourcedeploy_project_id varchar(255), deploy_id varchar(255),
  status varchar(50) not null, image_name varchar(500), image_tag varchar(100), environment varchar, is_rollback boolean,
  rollback_from_id integer, started_at datetime not null, completed_at datetime, created_at datetime, error_message text, error_stage varchar(50))`;
