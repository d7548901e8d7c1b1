// The Seamline app side of the peer benchmark: the app's own modules (db.js, its IndexedDB outbox; sync.js,
// its sync pass), imported into a page of the app's origin. The UI plays no part, as it plays none for
// PouchDB. Every function answers its own duration from performance.now().
window.appBench = {
  async login(email, password) {
    const session = await import('/js/session.js');
    await session.login(email, password);
  },

  // Each record through db.upsert, as the app records a change: one strict transaction with its outbox row.
  async record(records) {
    const db = await import('/js/db.js');
    const started = performance.now();
    for (const [entity, id, fields] of records) await db.upsert(entity, fields, id);
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
