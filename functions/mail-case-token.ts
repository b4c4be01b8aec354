import { app } from '@azure/functions';
import { mailRoute } from '../lib/mail/http';

/** mail/case for a bearer token (Outlook add-in, or a script's app-role token): anonymous at the host, the token is checked in code. */
export const mailCaseToken = mailRoute('case', 'token');

app.http('mail-case-token', { methods: ['POST'], authLevel: 'anonymous', route: 'token/mail/case', handler: mailCaseToken });
