import { massDeleteDecision, type GuardInput } from '../../lib/resync/guard';

describe('massDeleteDecision', () => {
  const base: GuardInput = { linked: 100, removals: 0, share: 0.2, force: false, deletes: 'delete' };

  test.each<[string, Partial<GuardInput>, boolean, RegExp | undefined]>([
    ['nothing to delete', {}, true, undefined],
    ['well under the share', { removals: 5 }, true, undefined],
    ['exactly the share still proceeds', { removals: 20 }, true, undefined],
    ['one over the share stops', { removals: 21 }, false, /would delete 21 of the user's 100 linked Zoho records \(21%\), more than SYNC_MASS_DELETE_SHARE \(20%\)\. Nothing was deleted/],
    ['half stops', { removals: 50 }, false, /\(50%\)/],
    ['everything stops', { removals: 100 }, false, /100 of the user's 100/],
    ['forced proceeds and says so', { removals: 50, force: true }, true, /^Forced: this run would delete 50 of the user's 100 .* "force": true\.$/],
    ['forced under the share says nothing', { removals: 5, force: true }, true, undefined],
    ['unlink mode speaks of unlinking', { removals: 60, deletes: 'unlink' }, false, /would unlink 60 .* Nothing was unlinked/],
    ['share 1 never stops', { removals: 100, share: 1 }, true, undefined],
    ['share 0 stops at the first deletion', { removals: 1, share: 0 }, false, /\(1%\), more than SYNC_MASS_DELETE_SHARE \(0%\)/],
    ['no links: nothing to protect', { linked: 0, removals: 0 }, true, undefined],
    ['fractions are shown with one decimal', { linked: 3, removals: 1 }, false, /\(33\.3%\)/],
  ])('%s', (_name, patch, proceed, message) => {
    const d = massDeleteDecision({ ...base, ...patch });
    expect(d.proceed).toBe(proceed);
    if (message) expect(d.message).toMatch(message);
    else expect(d.message).toBeUndefined();
  });
});
