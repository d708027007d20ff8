// Keeps a view current: Server-Sent Events from GET /api/v1/events when the server has them,
// else a poll every 2 s (older servers answer the route 404, and EventSource then gives up).
import { apiUrl } from './api.js';

const POLL_MS = 2000;
const REFRESH_DEBOUNCE_MS = 250;

let statusListener = () => {};
// The header shows whether the page is live or polling.
export function onLiveStatus(fn) {
  statusListener = fn;
}

// watch({query, onProgress, refresh, minGapMs}) → stop().
// refresh() re-reads what the view shows; it runs after job events (debounced, since a burst
// of transitions needs one re-read, and at most once per minGapMs for views whose read is
// costly), on every poll, and after a reconnect or an overflow, when events may have been missed.
export function watch({ query = {}, onProgress, refresh, minGapMs = 0 }) {
  let source = null;
  let pollTimer = null;
  let debounce = null;
  let lastRefresh = 0;
  let stopped = false;

  const refreshSoon = () => {
    if (debounce) return;
    const wait = Math.max(REFRESH_DEBOUNCE_MS, lastRefresh + minGapMs - Date.now());
    debounce = setTimeout(() => {
      debounce = null;
      lastRefresh = Date.now();
      if (!stopped) refresh();
    }, wait);
  };

  const poll = () => {
    if (pollTimer || stopped) return;
    statusListener('polling');
    pollTimer = setInterval(refresh, POLL_MS);
  };

  const open = () => {
    const qs = new URLSearchParams(Object.entries(query).filter(([, v]) => v)).toString();
    let opened = false;
    source = new EventSource(apiUrl('/events') + (qs ? `?${qs}` : ''));
    source.addEventListener('open', () => {
      opened = true;
      statusListener('live');
      refreshSoon();
    });
    source.addEventListener('job', refreshSoon);
    source.addEventListener('progress', (e) => {
      const ev = parse(e.data);
      if (ev && onProgress) onProgress(ev);
    });
    // The server dropped events this subscriber was too slow for: start over and re-read.
    source.addEventListener('overflow', () => {
      source.close();
      if (!stopped) open();
    });
    source.addEventListener('error', () => {
      // CLOSED: the route is missing or refused; CONNECTING before any open: same on some
      // browsers. A stream that had opened reconnects by itself with Last-Event-ID.
      if (source.readyState === EventSource.CLOSED || !opened) {
        source.close();
        poll();
      } else {
        statusListener('reconnecting');
      }
    });
  };

  open();
  return () => {
    stopped = true;
    clearTimeout(debounce);
    clearInterval(pollTimer);
    if (source) source.close();
  };
}

function parse(text) {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
