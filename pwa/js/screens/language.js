// The language switch on the sync screen: the phone's language, or one the app has, by its own name.
import { h } from '../dom.js';
import { chooseLanguage, chosenLanguage } from '../language.js';
import { LANGUAGES, languageName, phoneLanguage, t } from '../i18n.js';

export async function languageSwitch() {
  const chosen = await chosenLanguage();
  const select = h('select', { id: 'language', 'data-testid': 'language', onchange: (e) => chooseLanguage(e.target.value || null) },
    h('option', { value: '', selected: !chosen }, t('language.auto', { language: languageName(phoneLanguage()) })),
    LANGUAGES.map((tag) => h('option', { value: tag, lang: tag, selected: chosen === tag }, languageName(tag))));
  return h('section', { class: 'card' }, h('h2', {}, t('language.title')),
    h('label', { for: 'language' }, t('language.label')), select);
}
