import type { Router } from './router';
import type { GraphStore } from './store';

/**
 * What every resource area receives. An area is one module that registers its Graph routes on
 * the router (paths relative to /v1.0) and keeps its per-mailbox state in `store.mailbox(..).area`.
 */
export interface DoubleContext {
  /** https://127.0.0.1:<port>; links (nextLink, deltaLink) are built on it. */
  origin: string;
  tenantId: string;
  clientId: string;
  store: GraphStore;
  /** Default page size of Outlook collections (Graph's is 10). */
  outlookPageSize: number;
  /** Default page size of directory collections (Graph's is 100). */
  directoryPageSize: number;
}

/**
 * How a change to one item shows up in a change notification, and which subscription resources
 * cover it. `candidates` are normalised resources (see normaliseResource): lower case, user
 * object id, OData key syntax expanded, e.g. `users/<oid>/contactfolders/<fid>/contacts`.
 */
export interface NotificationTarget {
  candidates: string[];
  /** `resource` of the notification, e.g. `Users/<oid>/Contacts/<id>`. */
  resource: string;
  odataType: string;
  etag?: string;
}

export interface GraphArea {
  register(router: Router, ctx: DoubleContext): void;
  /** Item kinds this area can describe for notifications ('contact', 'event', ...). */
  readonly notificationKinds?: readonly string[];
  describe?(userId: string, kind: string, itemId: string): NotificationTarget;
}

/** Lower-cased path of a subscription resource, with `users/{upn}` resolved to the object id. */
export function normaliseResource(resource: string, store: GraphStore): string {
  const path = resource.replace(/^https:\/\/[^/]+\/(v1\.0|beta)\//i, '').replace(/\?.*$/, '');
  const segments = path
    .split('/')
    .filter(Boolean)
    .flatMap((s) => {
      const key = /^([A-Za-z][A-Za-z0-9.]*)\('?([^')]*)'?\)$/.exec(s);
      return key ? [key[1], key[2]] : [decodeSafe(s)];
    });
  if (segments[0]?.toLowerCase() === 'users' && segments[1]) {
    const user = store.findUser(segments[1]);
    if (user) segments[1] = user.id;
  }
  return segments.join('/').toLowerCase();
}

function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
