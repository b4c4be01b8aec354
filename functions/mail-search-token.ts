import { app } from '@azure/functions';
import { mailRoute } from '../lib/mail/http';

/** mail/search for a bearer token (Outlook add-in, or a script's app-role token): anonymous at the host, the token is checked in code. */
export const mailSearchToken = mailRoute('search', 'token');

app.http('mail-search-token', { methods: ['GET'], authLevel: 'anonymous', route: 'token/mail/search', handler: mailSearchToken });
