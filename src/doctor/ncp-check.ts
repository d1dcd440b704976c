import { EnvironmentError } from '../errors.js';
import { sendRequest } from '../polling/send-request.js';
import { ncpCredentials } from '../providers/ncp/credentials.js';
import { defaultNcpEndpoint } from '../providers/ncp/target.js';
import { signedHeaders } from '../providers/ncp/signature.js';
import { fail, ok, type Check } from './check.js';

/** The call that proves the keys: SourceDeploy's project list, one item long. */
const probePath = '/api/v1/project';
const probeQuery = '?pageNo=1&pageSize=1';
const probeTimeoutMs = 10_000;

/** Whether this environment sets up NCP at all: a key, or an endpoint. */
export function ncpConfigured(env: NodeJS.ProcessEnv, endpointOption: string | undefined): boolean {
  return [env.NCLOUD_ACCESS_KEY, env.NCLOUD_SECRET_KEY, env.NCP_ACCESS_KEY, env.NCP_SECRET_KEY, env.NCLOUD_SOURCEDEPLOY_ENDPOINT, endpointOption].some(
    (value) => value !== undefined && value !== '',
  );
}

/**
 * The keys are present, and the API gateway accepts them. The gateway checks the signature before it routes
 * the call, so any answer but 401 or 403 means the keys were accepted, even where the key may not list
 * projects. Neither key is ever printed.
 */
export async function checkNcp(env: NodeJS.ProcessEnv, endpointOption: string | undefined): Promise<Check[]> {
  let credentials;
  try {
    credentials = ncpCredentials(env);
  } catch (error) {
    if (error instanceof EnvironmentError) return [fail('ncp credentials', error.message)];
    throw error;
  }
  const endpoint = endpointOption ?? (env.NCLOUD_SOURCEDEPLOY_ENDPOINT || defaultNcpEndpoint);
  const names = env.NCLOUD_ACCESS_KEY ? 'NCLOUD_ACCESS_KEY and NCLOUD_SECRET_KEY' : 'NCP_ACCESS_KEY and NCP_SECRET_KEY';
  const checks = [ok('ncp credentials', `present in ${names}`)];
  let url: URL;
  try {
    url = new URL(endpoint);
    url.pathname = `${url.pathname.replace(/\/$/, '')}${probePath}`;
    url.search = probeQuery;
  } catch {
    return [...checks, fail('ncp api', `the SourceDeploy endpoint '${endpoint}' is not a URL`)];
  }
  try {
    const answer = await sendRequest({ method: 'GET', url: url.toString(), headers: signedHeaders('GET', `${url.pathname}${url.search}`, credentials), timeoutMs: probeTimeoutMs });
    if (answer.status === 401 || answer.status === 403) {
      return [...checks, fail('ncp api', `${url.origin} refused the credentials (HTTP ${answer.status}): check ${names}, and that the key may use SourceDeploy`)];
    }
    return [...checks, ok('ncp api', `${url.origin} accepts the credentials (HTTP ${answer.status})`)];
  } catch (error) {
    return [...checks, fail('ncp api', `cannot reach ${url.origin} (${error instanceof Error ? error.message : String(error)})`)];
  }
}
