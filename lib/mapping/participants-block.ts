/**
 * The block of Zoho participants the sync writes into an Outlook event's body instead of inviting
 * them (./reverse-event.ts). Kept apart so the forward mapping (./event.ts) can strip it without
 * importing the reverse direction.
 */
import { cleanText } from './fields';

export const PARTICIPANTS_HEADING = '-- Zoho CRM participants (listed, not invited) --';

/** The user's text above our participants block, and the block's lines (null without one). */
export function splitParticipantsBlock(text: string | null): { description: string | null; participants: string | null } {
  if (text === null) return { description: null, participants: null };
  const at = text.indexOf(PARTICIPANTS_HEADING);
  if (at === -1) return { description: cleanText(text), participants: null };
  return { description: cleanText(text.slice(0, at)), participants: cleanText(text.slice(at + PARTICIPANTS_HEADING.length)) };
}

export function stripParticipantsBlock(text: string | null): string | null {
  return splitParticipantsBlock(text).description;
}

