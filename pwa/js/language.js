// The language the app speaks on this phone: the phone's own by default, or the one chosen on the sync
// screen, remembered on the phone (IndexedDB meta) across restarts and log-outs.
import { getMeta, setMeta } from './db.js';
import { setLocale } from './i18n.js';

const CHOICE_KEY = 'language';

export async function loadLanguage() {
  return setLocale(await getMeta(CHOICE_KEY, null));
}

// tag: one of the app's languages, or null to follow the phone's language again.
export async function chooseLanguage(tag) {
  await setMeta(CHOICE_KEY, tag);
  return setLocale(tag);
}

export function chosenLanguage() {
  return getMeta(CHOICE_KEY, null);
}
