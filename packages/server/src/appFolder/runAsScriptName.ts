/**
 * The name under which a function's (or a webhook's) `run_as_user_id_script_source` runs: a
 * private function the server calls to learn which user a call runs as.
 */
export const runAsScriptName = (owner: string): string => `${owner} (run_as_user_id_script_source)`
