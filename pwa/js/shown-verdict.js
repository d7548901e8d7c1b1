// The verdict a screen shows for an inspection. A finalized one has the server's; an open one is judged
// live from its defects against the plan, but only once there is something to judge (a defect, a
// measurement or a checklist answer): "Pass" over an inspection nobody has started would be a claim
// the inspector never made.
import { judge } from './plan.js';

export const NOT_STARTED = 'not_started';

// 'pass' | 'fail' | 'not_started', or null where there is nothing to say (cancelled, no plan).
export function shownVerdict(inspection, { plans = null, defects = [], recorded = 0 } = {}) {
  if (inspection.verdict) return inspection.verdict;
  if (inspection.status === 'cancelled') return null;
  if (!defects.length && !recorded) return NOT_STARTED;
  return judge(plans, defects).overall;
}
