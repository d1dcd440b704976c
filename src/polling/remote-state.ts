/** What a provider's pure status function makes of one answer from a deploy service. */
export type RemoteMeaning = 'success' | 'failed' | 'cancelled' | 'running' | 'unknown';

export interface RemoteState {
  meaning: RemoteMeaning;
  /** The service's own word, as people should see it (`inprogress`, `deploying`). */
  remote: string;
  /** What that word means in a few words (`awaiting approval`); for `unknown`, why it is not understood. */
  description: string;
}
