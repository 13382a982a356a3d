// An assignment's times for people (doc/courses-and-contests.md): the API sends ISO 8601 UTC and
// the pages show it in the browser's time zone with the zone named; countdowns run on the
// database's clock (the answer's "now"), not on this computer's, so a wrong clock here cannot
// show "open" for an assignment the server already closed. Used by the task list and the staff
// assignments page; any page showing a deadline may import it.
import { el } from './common.js?v=6';

const LOCAL = {
	year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short',
};

// The browser's time zone, e.g. "Europe/Berlin" (or its offset where it has no name).
export function zoneName() {
	return Intl.DateTimeFormat().resolvedOptions().timeZone || new Date().toLocaleTimeString(undefined, { timeZoneName: 'short' }).split(' ').pop();
}

// "Dec 8, 2026, 11:00 AM GMT+1": a UTC instant in the browser's zone, the zone named.
export function formatLocal(iso) {
	if (!iso) return '—';
	const d = new Date(iso);
	return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(undefined, LOCAL);
}

// <time> of formatLocal, the UTC instant in its datetime attribute.
export function localTime(iso) {
	return el('time', { datetime: iso || '' }, formatLocal(iso));
}

// "2 d 3 h", "3 h 5 min", "40 min", "20 s": a duration in milliseconds, two units at most.
export function durationText(ms) {
	const s = Math.max(0, Math.floor(ms / 1000));
	const d = Math.floor(s / 86400);
	const h = Math.floor((s % 86400) / 3600);
	const m = Math.floor((s % 3600) / 60);
	if (d) return h ? `${d} d ${h} h` : `${d} d`;
	if (h) return m ? `${h} h ${m} min` : `${h} h`;
	if (m) return `${m} min`;
	return `${s} s`;
}

// An assignment's state at the instant nowMs (the rule of solveit_assignment_state).
export function stateAt(a, nowMs) {
	if (nowMs < Date.parse(a.opens_at)) return 'upcoming';
	if (nowMs < Date.parse(a.due_at)) return 'open';
	if (a.closes_at && nowMs < Date.parse(a.closes_at)) return 'late';
	return 'closed';
}

// What is next for an assignment at nowMs: "opens in 3 h", "due in 2 d 3 h", "late window:
// closes in 40 min" or "closed".
export function countdownText(a, nowMs) {
	switch (stateAt(a, nowMs)) {
	case 'upcoming': return `opens in ${durationText(Date.parse(a.opens_at) - nowMs)}`;
	case 'open': return `due in ${durationText(Date.parse(a.due_at) - nowMs)}`;
	case 'late': return `late window: closes in ${durationText(Date.parse(a.closes_at) - nowMs)}`;
	default: return 'closed';
	}
}

export const STATE_NAMES = { upcoming: 'Upcoming', open: 'Open', late: 'Late window', closed: 'Closed' };

// A small label of the state (class state-NAME, styled in app.css).
export function stateTag(state) {
	return el('span', { class: 'state-tag state-' + state }, STATE_NAMES[state] || state);
}

// What a late submission costs: "Late submissions until Dec 9, … lose 20%." or the absence of a
// late window.
export function latePolicyText(a) {
	if (a.contest) return 'A contest: no late submissions.';
	if (!a.closes_at || a.closes_at === a.due_at) return 'No late submissions: submissions are refused from the deadline.';
	return a.late_penalty ? `Late submissions, until it closes, lose ${a.late_penalty}% of their score.`
		: 'Late submissions, until it closes, lose nothing.';
}

// The database's clock, from an answer's "now": now() gives the server's time at this moment.
export function serverClock(serverNowIso) {
	const parsed = Date.parse(serverNowIso);
	const offset = Number.isNaN(parsed) ? 0 : parsed - Date.now();
	return { now: () => Date.now() + offset };
}

// Keeps every countdown under root current once a second: nodes made by countdown() below. When an
// assignment changes state (it opens, its deadline passes), onStateChange runs once (the page
// reloads its list then). Returns a stop function.
export function runCountdowns(root, clock, onStateChange) {
	let changed = false;
	const tick = () => {
		const now = clock.now();
		for (const node of root.querySelectorAll('[data-countdown]')) {
			const a = node.countdownOf;
			if (!a) continue;
			node.textContent = countdownText(a, now);
			// The state it was first drawn in, on this clock (not the answer's, which may be a
			// moment older): a change is a boundary passing here.
			if (!node.dataset.state) node.dataset.state = stateAt(a, now);
			if (!changed && onStateChange && stateAt(a, now) !== node.dataset.state) {
				changed = true;
				onStateChange();
			}
		}
	};
	tick();
	const timer = setInterval(tick, 1000);
	return () => clearInterval(timer);
}

// A live countdown of assignment a (filled by runCountdowns).
export function countdown(a) {
	const node = el('span', { class: 'countdown', 'data-countdown': '' });
	node.countdownOf = a;
	return node;
}

// A datetime-local input's value ("2026-12-08T11:00", the browser's zone) for a UTC instant.
export function toLocalInput(iso) {
	if (!iso) return '';
	const d = new Date(iso);
	if (Number.isNaN(d.getTime())) return '';
	const p = (n) => String(n).padStart(2, '0');
	return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

// The UTC ISO instant ("2026-12-08T10:00:00Z") of a datetime-local value read in the browser's
// zone; null for an empty or unreadable one.
export function fromLocalInput(value) {
	if (!value) return null;
	const d = new Date(value);
	return Number.isNaN(d.getTime()) ? null : d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
