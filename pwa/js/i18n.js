// Every user-facing text, by key. English first; a translation is a new table,
// no screen changes. Defect types may carry their own translated names.

const MESSAGES = {
  en: {
    'app.title': 'Seamline',
    'login.title': 'Log in',
    'login.email': 'E-mail',
    'login.password': 'Password',
    'login.submit': 'Log in',
    'login.failed': 'Wrong e-mail or password.',
    'login.offline': 'You are offline. Log in once with a connection; after that the app opens offline.',
    'logout': 'Log out',
    'logout.unsynced': '{n} changes have not reached the server yet. They stay on this phone and sync after you log in again. Log out anyway?',
    'status.online': 'Online',
    'status.offline': 'Offline',
    'status.waiting': '{n} waiting',
    'status.photos': '{n} photos waiting',
    'status.synced': 'Synced {time}',
    'status.never': 'Not synced yet',
    'status.syncing': 'Syncing…',
    'status.retry': 'Retry',
    'status.error.network': 'Cannot reach the server. Your changes are safe on this phone.',
    'status.error.login': 'Your session ended. Log in again to sync; nothing is lost.',
    'status.error.outdated': 'This app version is too old to sync. Update it; your changes are kept.',
    'status.error.other': 'Sync failed: {message}',
    'update.available': 'An update is available.',
    'update.apply': 'Update now',
    'update.later': 'It installs when you are not in an inspection.',
    'inspections.title': 'My inspections',
    'inspections.empty': 'No inspections yet.',
    'inspections.new': 'New inspection',
    'inspections.factory': 'Factory',
    'inspection.lot': 'Lot {lot}',
    'inspection.photos_uploading': 'photos uploading',
    'status.planned': 'Planned',
    'status.in_progress': 'In progress',
    'status.finalized': 'Finalized',
    'status.cancelled': 'Cancelled',
    'type.pre_production': 'Pre-production',
    'type.inline': 'Inline',
    'type.final': 'Final random',
    'setup.title': 'Set up',
    'setup.type': 'Inspection type',
    'setup.factory': 'Factory',
    'setup.production_order': 'Production order',
    'setup.none': '—',
    'setup.lot_size': 'Lot size',
    'setup.level': 'Inspection level',
    'setup.aql': 'AQL {cls}',
    'setup.switching': 'Inspection {state}',
    'setup.start': 'Start inspection',
    'setup.save': 'Save',
    'plan.title': 'Sampling plan',
    'plan.code_letter': 'Code letter {letter}',
    'plan.sample': 'Inspect {n} units',
    'plan.full': 'Inspect every unit ({n})',
    'plan.accept_reject': 'Accept {ac} / reject {re}',
    'plan.no_tables': 'Sampling tables not loaded yet: connect once.',
    'class.critical': 'Critical',
    'class.major': 'Major',
    'class.minor': 'Minor',
    'verdict.pass': 'Pass',
    'verdict.fail': 'Fail',
    'verdict.at_limit': 'At the limit',
    'tally.title': 'Defects',
    'tally.search': 'Search defects',
    'tally.undo': 'Undo last',
    'tally.count': '({accept} allowed)',
    'tally.note': 'Note',
    'tally.recorded': '{name} recorded',
    'finalize.title': 'Review and finalize',
    'finalize.button': 'Finalize inspection',
    'finalize.confirm': 'Finalize? A finalized inspection cannot be changed.',
    'finalize.readonly': 'This inspection is finalized and read-only.',
    'photos.title': 'Photos',
    'photos.defect': 'Photo of last defect',
    'photos.inspection': 'Photo: packing, labels, cartons',
    'photos.alt': 'Inspection photo',
    'back': 'Back',
    'error.field': '{field}: {message}',
    'rejected': 'The server refused this change: {message}',
  },
};

let locale = 'en';

export function setLocale(tag) {
  locale = MESSAGES[tag] ? tag : 'en';
}

export function t(key, params = {}) {
  const text = MESSAGES[locale][key] ?? MESSAGES.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in params ? String(params[name]) : `{${name}}`));
}

export function defectName(defectType) {
  return defectType.names_translated?.[locale] || defectType.name;
}
