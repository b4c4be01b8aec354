import { app } from '@azure/functions';
import { mailRoute } from '../lib/mail/http';

/** GET /api/mail/search?module=Leads|Contacts|Deals&q=: records to attach an e-mail to (SPEC §3.2 way 2). */
export const mailSearch = mailRoute('search', 'key');

app.http('mail-search', { methods: ['GET'], authLevel: 'function', route: 'mail/search', handler: mailSearch });
