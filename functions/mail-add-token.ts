import { app } from '@azure/functions';
import { mailRoute } from '../lib/mail/http';

/** mail/add for a bearer token (Outlook add-in, or a script's app-role token): anonymous at the host, the token is checked in code. */
export const mailAddToken = mailRoute('add', 'token');

app.http('mail-add-token', { methods: ['POST'], authLevel: 'anonymous', route: 'token/mail/add', handler: mailAddToken });
