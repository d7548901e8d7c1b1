// The Seamline app side of the peer benchmark: the app's own modules (db.js, its IndexedDB outbox; sync.js,
// its sync pass), imported into a page of the app's origin. The UI plays no part, as it plays none for
// PouchDB. Every function answers its own duration from performance.now().
window.appBench = {
  async login(email, password) {
    const session = await import('/js/session.js');
    await session.login(email, password);
  },

  // The records through db.batch in groups of `group` (6: an inspection with its defects, as PouchDB's bulkDocs
  // gets them), as the app records a burst of changes: one strict transaction per group with its outbox rows.
  async record(records, group = 6) {
    const db = await import('/js/db.js');
    const started = performance.now();
    for (let n = 0; n < records.length; n += group) {
      await db.batch(records.slice(n, n + group).map(([entity, id, fields]) => db.upsertChange(entity, fields, id)));
    }
    return performance.now() - started;
  },

  // One sync pass (push the outbox, upload photos, pull until nothing more), as every trigger runs it.
  async pass() {
    const sync = await import('/js/sync.js');
    const db = await import('/js/db.js');
    const startedAt = Date.now();
    const started = performance.now();
    await sync.syncNow();
    const ms = performance.now() - started;
    return { ms, startedAt, error: sync.status().error, pending: (await db.pendingCounts()).mutations,
             rejected: (await db.rejections()).length };
  },
};
