/** Turns what @kubernetes/client-node throws into one sentence a person can act on. */
import { ApiException } from '@kubernetes/client-node';

interface Status {
  kind?: string;
  message?: string;
  reason?: string;
  code?: number;
}

function statusOf(e: ApiException<unknown>): Status | null {
  const body = e.body;
  if (typeof body === 'string') {
    try {
      return JSON.parse(body) as Status;
    } catch {
      return null;
    }
  }
  return body && typeof body === 'object' ? (body as Status) : null;
}

export class KubeTimeout extends Error {}

/** One sentence for a failed call about `what` (e.g. "deployment prod/web"). */
export function describeKubeError(e: unknown, what: string, server: string): string {
  if (e instanceof KubeTimeout)
    return `the Kubernetes API at ${server} did not answer within ${e.message} while working on ${what}: check the API server and kubernetes.request_timeout`;
  if (e instanceof ApiException) {
    const status = statusOf(e);
    const msg = status?.message;
    switch (e.code) {
      case 401:
        return `the Kubernetes API at ${server} rejected the credentials (401 Unauthorized): renew the token in the kubeconfig`;
      case 403:
        return `the Kubernetes API forbade it (403): ${msg ?? 'forbidden'}: grant that permission to chatops' service account with a Role and RoleBinding`;
      case 404:
        return `${what} was not found (404${msg ? `: ${msg}` : ''}): check the namespace and the name`;
      case 409:
        return `${what} was changed by someone else at the same moment (409 Conflict${msg ? `: ${msg}` : ''}): look at its state and request again`;
      case 400:
      case 422:
        return `the Kubernetes API rejected the change to ${what} (${e.code} ${status?.reason ?? ''}): ${msg ?? 'invalid'}`.replace(
          ' )',
          ')',
        );
      case 415:
        return `the Kubernetes API does not accept this patch type (415 UnsupportedMediaType): ${msg ?? ''}`;
      default:
        return `the Kubernetes API answered ${e.code} for ${what}${msg ? `: ${msg}` : ''}`;
    }
  }
  const err = e as { code?: string; message?: string; type?: string; name?: string };
  const code = err?.code ?? (err?.type === 'system' ? 'network error' : undefined);
  if (code && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|HOSTNAME/.test(code)) {
    return `the Kubernetes API at ${server} presented a certificate the kubeconfig does not trust (${code}): check certificate-authority-data in the kubeconfig`;
  }
  if (code) return `cannot reach the Kubernetes API at ${server} (${code}): check the kubeconfig's server address and the network`;
  return `the Kubernetes call for ${what} failed: ${err?.message ?? String(e)}`;
}

export function httpCode(e: unknown): number | null {
  return e instanceof ApiException ? e.code : null;
}
