import { app } from '@azure/functions';
import { mailRoute } from '../lib/mail/http';

/** POST /api/mail/add `{ user, messageId }`: file an e-mail by the e-mail settings (SPEC §3.2 way 1). */
export const mailAdd = mailRoute('add', 'key');

app.http('mail-add', { methods: ['POST'], authLevel: 'function', route: 'mail/add', handler: mailAdd });
