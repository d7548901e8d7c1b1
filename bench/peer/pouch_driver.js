// The PouchDB side of the peer benchmark, run in a page of pouchdb-server's own origin (no CORS, so no
// preflight requests to count) after PouchDB 9's browser build from node_modules. Every function answers
// its own duration from performance.now(), so moving data in and out of the page is never timed.
window.peerBench = {
  async open(name, remoteUrl) {
    this.local = new PouchDB(name); // the default browser adapter: IndexedDB
    this.remote = new PouchDB(remoteUrl);
    await this.remote.info(); // creates the remote database, outside the timed phases
    return { adapter: this.local.adapter };
  },

  // Records as PouchDB documents, written with bulkDocs in batches of `batch` documents.
  async insert(docs, batch) {
    const started = performance.now();
    for (let i = 0; i < docs.length; i += batch) {
      const results = await this.local.bulkDocs(docs.slice(i, i + batch));
      const failed = results.find((r) => r.error);
      if (failed) throw new Error(`bulkDocs: ${JSON.stringify(failed)}`);
    }
    return performance.now() - started;
  },

  // Edits: read the current revisions, change the fields, write them back in one bulkDocs.
  async change(edits) {
    const started = performance.now();
    const { rows } = await this.local.allDocs({ keys: edits.map((e) => e._id), include_docs: true });
    const docs = rows.map((row, n) => ({ ...row.doc, ...edits[n] }));
    const results = await this.local.bulkDocs(docs);
    const failed = results.find((r) => r.error);
    if (failed) throw new Error(`bulkDocs: ${JSON.stringify(failed)}`);
    return performance.now() - started;
  },

  async push() {
    const started = performance.now();
    const result = await this.local.replicate.to(this.remote);
    return { ms: performance.now() - started, written: result.docs_written, ok: result.ok };
  },

  async pull() {
    const started = performance.now();
    const result = await this.local.replicate.from(this.remote);
    return { ms: performance.now() - started, written: result.docs_written, ok: result.ok };
  },

  // One-shot two-way sync, as a PouchDB app syncs after the first replication.
  async sync() {
    const started = performance.now();
    const result = await this.local.sync(this.remote);
    return { ms: performance.now() - started, written: result.push.docs_written + result.pull.docs_written,
             ok: result.push.ok && result.pull.ok };
  },
};
