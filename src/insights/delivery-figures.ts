import { deliveryCounts } from '../db/delivery-counts.js';
import type { StoreDialect } from '../db/dialect.js';
import { outageLengths } from '../db/outage-lengths.js';
import type { Grouping, SpanFilter } from '../db/span-filter.js';
import type { Queryable } from '../db/store.js';
import { noDeliveries, type DeliveryFigures } from './dora.js';
import { readLeadTimes } from './lead-time.js';

/** Each group's figures, computed in the database; `checkoutDir` is the checkout asked for commit times the store lacks. */
export async function readDeliveryFigures(
  q: Queryable,
  kind: StoreDialect['kind'],
  filter: SpanFilter,
  grouping: Grouping,
  checkoutDir?: string,
): Promise<{ groups: Map<string, DeliveryFigures>; leadTimesFromCheckout: Map<string, number[]> }> {
  const counts = await deliveryCounts(q, kind, filter, grouping);
  const outages = await outageLengths(q, kind, filter, grouping);
  const leadTimes = await readLeadTimes(q, kind, filter, grouping, checkoutDir);
  const groups = new Map<string, DeliveryFigures>();
  for (const bucket of new Set([...counts.keys(), ...outages.keys()])) {
    groups.set(bucket, {
      counts: counts.get(bucket) ?? noDeliveries.counts,
      outages: outages.get(bucket) ?? noDeliveries.outages,
      leadTime: leadTimes.byGroup.get(bucket) ?? noDeliveries.leadTime,
    });
  }
  return { groups, leadTimesFromCheckout: leadTimes.fromCheckout };
}
