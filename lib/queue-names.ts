/** Queue names, apart from the queue client so that a function file can name its trigger without loading the storage SDK. */
export const QUEUES = {
  /** one message per webhook request (chunked at 64 KiB), fanned out into `sync-items` */
  notificationBatches: 'notification-batches',
  syncItems: 'sync-items',
  lifecycle: 'graph-lifecycle',
  resyncJobs: 'resync-jobs',
  /** Zoho → Outlook change hints (callbacks and the sweep) */
  zohoChanges: 'zoho-changes',
} as const;
