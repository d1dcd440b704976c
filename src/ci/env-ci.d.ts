/** The part of env-ci's result shiplog reads (env-ci ships no types of its own). */
declare module 'env-ci' {
  export interface CiEnvironment {
    isCi: boolean;
    /** Its own short name of the CI system (`circleci`, `jenkins`, `azurePipelines`, …); absent outside a known one. */
    service?: string;
    name?: string;
    commit?: string;
    /** The repository as OWNER/NAME. */
    slug?: string;
    buildUrl?: string;
  }

  export default function envCi(options?: { env?: NodeJS.ProcessEnv; cwd?: string }): CiEnvironment;
}
