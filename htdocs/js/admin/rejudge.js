// Rejudging from the staff pages (admin/submissions.html and admin/submission.html): queue a
// rejudge, then follow the queued submissions until each has its new result, comparing it with
// the one the rejudge replaced (previous_verdict / previous_score, kept by the server).
import { el, poller, verdictBadge } from '../common.js?v=6';
import { adminApi } from './common.js?v=6';

// Ids asked for in one listing request (the API takes up to 500; this keeps the address short).
const IDS_PER_REQUEST = 100;

export function isFinal(sub) {
	return sub.status === 'completed' || sub.status === 'failed';
}

// Whether a rejudged submission's new result differs from the one it replaced.
export function resultChanged(sub) {
	return (sub.verdict ?? null) !== (sub.previous_verdict ?? null) || (sub.score ?? null) !== (sub.previous_score ?? null)
		|| (sub.status === 'failed') !== (sub.previous_status === 'failed');
}

// A result as a badge and its score: "AC 100", "In queue", "Failed".
export function resultCell(verdict, status, score) {
	const shown = status === 'completed' || !status ? null : status;
	return el('span', { class: 'sub-result' }, verdictBadge(verdict, shown),
		status === 'completed' && score !== null && score !== undefined ? el('span', { class: 'score' }, ` ${score}`) : null);
}

// The result a rejudge replaced.
export function beforeCell(sub) {
	return resultCell(sub.previous_verdict, sub.previous_status || 'completed', sub.previous_score);
}

// Queues body ({submission_ids} or {task_id}); resolves to the API's {queued:[{submission_id,
// attempt}], count}.
export async function queueRejudge(body) {
	const { data } = await adminApi('POST', 'rejudge', body);
	return data;
}

// Follows queued ([{submission_id, attempt}]) until each is judged at its new attempt: calls
// onUpdate(rows) with the latest listing row of each (in queued order, undefined until first
// seen) after every change, and onDone(rows) once all are final. Returns the poller (stop()).
export function followRejudge(queued, { onUpdate, onDone, onError }) {
	const want = new Map(queued.map((q) => [Number(q.submission_id), q.attempt]));
	const rows = new Map();
	const done = (id) => {
		const row = rows.get(id);
		return row && row.attempt >= want.get(id) && isFinal(row);
	};
	return poller(async () => {
		const open = [...want.keys()].filter((id) => !done(id));
		let changed = false;
		for (let i = 0; i < open.length; i += IDS_PER_REQUEST) {
			const chunk = open.slice(i, i + IDS_PER_REQUEST);
			const q = new URLSearchParams({ ids: chunk.join(','), per_page: String(chunk.length) });
			const { data } = await adminApi('GET', 'submissions?' + q.toString());
			for (const sub of data.submissions || []) {
				const before = rows.get(sub.id);
				if (!before || before.status !== sub.status || before.attempt !== sub.attempt || before.tests_done !== sub.tests_done) changed = true;
				rows.set(sub.id, sub);
			}
		}
		const list = [...want.keys()].map((id) => rows.get(id));
		if (changed) onUpdate(list);
		if ([...want.keys()].every(done)) {
			onDone(list);
			return 'stop';
		}
		return changed ? 'changed' : 'same';
	}, { min: 800, max: 5000, onError });
}

// "12 rejudged: 2 changed, 10 same" (while judging: "3 of 12 judged so far").
export function rejudgeSummary(rows, total) {
	const finished = rows.filter((r) => r && isFinal(r));
	if (finished.length < total) return `${finished.length} of ${total} judged so far…`;
	const changed = finished.filter(resultChanged).length;
	return `${total} rejudged: ${changed} changed, ${total - changed} same`;
}
