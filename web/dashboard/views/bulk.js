// POST /jobs/bulk for the Jobs and Failed views: up to 1000 ids a request, so a larger
// selection goes in several; the answer says per job whether it worked.
import { api } from '../api.js';

const CHUNK = 1000;

// → a sentence for people: how many jobs the action reached, and why the others were refused.
export async function bulkAction(action, ids) {
  let ok = 0;
  const refused = new Map();
  for (let i = 0; i < ids.length; i += CHUNK) {
    let answer;
    try {
      answer = await api('POST', '/jobs/bulk', { action, ids: ids.slice(i, i + CHUNK) });
    } catch (e) {
      if (e.routeMissing) throw new Error('Bulk actions are not available on this server: it has no POST /api/v1/jobs/bulk.');
      throw e;
    }
    for (const r of answer.results) {
      if (r.status >= 200 && r.status < 300) ok += 1;
      else refused.set(r.detail || `HTTP ${r.status}`, (refused.get(r.detail || `HTTP ${r.status}`) || 0) + 1);
    }
  }
  const verb = action === 'retry' ? 'retried' : 'cancelled';
  const why = [...refused].map(([detail, n]) => `${n} × ${detail}`).join('; ');
  return { ok: refused.size === 0, text: `${ok} of ${ids.length} ${verb}.${why ? ` Refused: ${why}` : ''}` };
}
