// The GraphQL selection of a service's whole spec (schema/service.graphql ServiceSpec), for the lab tests that read
// it back and send it again.
const labels = 'key value';

export const SERVICE_SPEC_FIELDS = `
  name image mode replicas env labels { ${labels} } constraints
  updateConfig { parallelism delaySeconds failureAction order monitorSeconds maxFailureRatio }
  rollbackConfig { parallelism delaySeconds failureAction order monitorSeconds maxFailureRatio }
  ports { targetPort publishedPort protocol publishMode }
  command args
  networks { target aliases }
  mounts { type source target readOnly volumeOptions { noCopy labels { ${labels} } driver { name options { ${labels} } } }
           tmpfsOptions { sizeBytes mode } }
  secrets { secret target uid gid mode }
  configs { config target uid gid mode }
  resources { limits { cpus memoryBytes pids } reservations { cpus memoryBytes } }
  restartPolicy { condition delaySeconds maxAttempts windowSeconds }
  healthcheck { test intervalSeconds timeoutSeconds retries startPeriodSeconds }
  placementPreferences { spread } maxReplicasPerNode endpointMode hostname user workingDir stopSignal
  stopGracePeriodSeconds readOnly containerLabels { ${labels} } capabilityAdd capabilityDrop
  privileges { credentialSpec { config file registry } seLinuxContext { disable user role type level } }`;

/** A GraphQL answer without its nulls: what the same spec is as REST answers it (fields left out when unset). */
export function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, inner]) => inner !== null && inner !== undefined)
        .map(([key, inner]) => [key, withoutNulls(inner)]),
    );
  }
  return value;
}
