import { app } from '@azure/functions';
import { mailRoute } from '../lib/mail/http';

/** POST /api/mail/attach `{ user, messageId, module, recordId, attachments? }`: file an e-mail on a chosen record. */
export const mailAttach = mailRoute('attach', 'key');

app.http('mail-attach', { methods: ['POST'], authLevel: 'function', route: 'mail/attach', handler: mailAttach });
