import { z } from 'zod';
import { describeIssues, graphItemId, isGraphId, isObjectId, isUpn, jobId, userRef } from '../../lib/ids';

/** Issue 15: the id formats every route accepts, and how a refusal names the field. */
describe('user names', () => {
  it.each([
    ['adele.vance@contoso.com', true],
    ["o'neil@contoso.com", true],
    ['john_fabrikam.com#EXT#@contoso.onmicrosoft.com', true],
    ['a~b^c!d@sub.contoso.co.uk', true],
    ['x@xn--bcher-kva.example', true],
    ['.adele@contoso.com', false],
    ['adele.@contoso.com', false],
    ['a..b@contoso.com', false],
    ['adele', false],
    ['adele@contoso', false],
    ['@contoso.com', false],
    ['adele@-contoso.com', false],
    ['a b@contoso.com', false],
    ['a/b@contoso.com', false],
    ['a%2e@contoso.com', false],
    ['<script>@contoso.com', false],
    ["x' or 1 eq 1", false],
    ['..', false],
    ['\ud800@contoso.com', false],
    ['a\u0000@contoso.com', false],
  ])('%j is a UPN: %s', (value, ok) => {
    expect(isUpn(value)).toBe(ok);
  });

  it('an object id is a GUID in any case', () => {
    expect(isObjectId('3FA85F64-5717-4562-B3FC-2C963F66AFA6')).toBe(true);
    expect(isObjectId('3fa85f64-5717-4562-b3fc-2c963f66afa')).toBe(false);
    expect(userRef.safeParse(' 3fa85f64-5717-4562-b3fc-2c963f66afa6 ')).toEqual({ success: true, data: '3fa85f64-5717-4562-b3fc-2c963f66afa6' });
  });
});

describe('Graph item ids', () => {
  it.each([
    ['AAkALgAAAAAAHYQDEapmEc2byACqAC-EWg0AE1m6ZLFGXEuFqrwNBRZ8nQAAAh2jVgAA', true],
    ['AAMkAGI2TG93AAA=', true],
    ['AQMkADAwATM0MDAAMS1iNTcwLWI2NTEtMDACLTAwCgBGAAAD/Aa+b==', true],
    ['x'.repeat(512), true],
    ['x'.repeat(513), false],
    ['', false],
    ['.', false],
    ['..', false],
    ['a.b', false],
    ["a'b", false],
    ['<script>', false],
    ['AAMk\ud800', false],
    ['a b', false],
    ['a%2Fb', false],
  ])('%j: %s', (value, ok) => {
    expect(isGraphId(value)).toBe(ok);
  });
});

describe('refusals name the field', () => {
  const Body = z.object({ users: z.array(userRef).optional(), messageId: graphItemId.optional(), jobId: jobId.optional() }).strict();
  it.each([
    [{ users: ['a@contoso.com', 'b@contoso.com', '..'] }, ['users[2] must be an object id or a UPN (a GUID, or name@domain)']],
    [{ users: [''] }, ['users[0] is required (an object id or a UPN)']],
    [{ messageId: '..' }, ['messageId is not a Microsoft Graph id (letters, digits, + / = - _; at most 512)']],
    [{ jobId: 'auto-2026-01-01' }, ['jobId must be the jobId that POST resync answered (a GUID)']],
    [{ other: 1 }, ['unknown field other']],
  ])('%j', (body, problems) => {
    const parsed = Body.safeParse(body);
    expect(parsed.success).toBe(false);
    if (!parsed.success) expect(describeIssues(parsed.error)).toEqual(problems);
  });
});
