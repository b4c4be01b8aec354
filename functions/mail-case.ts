import { app } from '@azure/functions';
import { mailRoute } from '../lib/mail/http';

/** POST /api/mail/case `{ user, messageId, status, attachments? }`: the e-mail as a Zoho Case (SPEC §3.1). */
export const mailCase = mailRoute('case', 'key');

app.http('mail-case', { methods: ['POST'], authLevel: 'function', route: 'mail/case', handler: mailCase });
