import { app } from '@azure/functions';
import { mailRoute } from '../lib/mail/http';

/** mail/attach for a bearer token (Outlook add-in, or a script's app-role token): anonymous at the host, the token is checked in code. */
export const mailAttachToken = mailRoute('attach', 'token');

app.http('mail-attach-token', { methods: ['POST'], authLevel: 'anonymous', route: 'token/mail/attach', handler: mailAttachToken });
