// Every user-facing text, by key, in the language the phone's user reads: English, Simplified Chinese
// or Vietnamese (one table per language under messages/, the same keys in each). Counts take their
// plural form from Intl.PluralRules; numbers, dates and times are formatted by Intl in that locale.
// Defect types carry their own translated names from the server.
import en from './messages/en.js';
import vi from './messages/vi.js';
import zh from './messages/zh.js';

export const MESSAGES = { en, zh, vi };
export const LANGUAGES = Object.keys(MESSAGES);

// The language of the screens ('en', 'zh', 'vi') and the full locale Intl formats with: the phone's own
// tag where it is that language ('vi-VN', 'en-GB'), so dates read as the phone's other apps show them.
let language = 'en';
let formatLocale = 'en';
let plurals = new Intl.PluralRules('en');
let numbers = new Intl.NumberFormat('en');
const listeners = new Set();

function phoneLanguages() {
  const tags = globalThis.navigator?.languages?.length ? navigator.languages : [globalThis.navigator?.language || 'en'];
  return tags.filter(Boolean);
}

function baseLanguage(tag) {
  return String(tag).split('-')[0].toLowerCase();
}

// The first of the phone's languages the app has a table for: a phone set to Khmer, then Vietnamese
// reads Vietnamese; one with none of them reads English.
export function phoneLanguage() {
  return phoneLanguages().map(baseLanguage).find((tag) => LANGUAGES.includes(tag)) || 'en';
}

// tag: one of LANGUAGES, or null for the phone's own language.
export function setLocale(tag) {
  language = LANGUAGES.includes(tag) ? tag : phoneLanguage();
  formatLocale = phoneLanguages().find((t) => baseLanguage(t) === language) || language;
  plurals = new Intl.PluralRules(formatLocale);
  numbers = new Intl.NumberFormat(formatLocale);
  if (globalThis.document) document.documentElement.lang = language;
  for (const listener of listeners) listener(language);
  return language;
}

export function currentLanguage() {
  return language;
}

// Screens that stay on view (the status bar, the navigation) redraw when the language changes.
export function onLocaleChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

// A language's name in that language ("Tiếng Việt"), from Intl, so no list of names is kept here.
export function languageName(tag) {
  const shown = tag === 'zh' ? 'zh-Hans' : tag;
  return new Intl.DisplayNames([shown], { type: 'language' }).of(shown);
}

// A message with its {placeholders} filled in; numbers in the locale's digits and separators. A key
// with plural forms (key.one, key.other, ...) takes the form Intl.PluralRules picks for params.n.
export function t(key, params = {}) {
  const text = lookup(MESSAGES[language], key, params) ?? lookup(MESSAGES.en, key, params) ?? fallback(key);
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in params ? shown(params[name]) : `{${name}}`));
}

// Whether a key has a text (plain, or in plural forms): for codes the server may add before the phone has words
// for them, so the caller can fall back to the server's own text.
export function hasMessage(key) {
  return key in MESSAGES.en || `${key}.other` in MESSAGES.en;
}

function lookup(table, key, params) {
  if (key in table) return table[key];
  if (typeof params.n !== 'number') return table[`${key}.other`];
  return table[`${key}.${plurals.select(params.n)}`] ?? table[`${key}.other`];
}

function shown(value) {
  return typeof value === 'number' ? numbers.format(value) : String(value);
}

// A key with no text yet (a field name the server added) reads as its last part, not as a code.
function fallback(key) {
  const last = key.split('.').at(-1);
  return last.charAt(0).toUpperCase() + last.slice(1).replaceAll('_', ' ');
}

// Items as a list in the language's own way: "A, B and C", "A、B和C", "A, B và C".
export function formatList(items) {
  return new Intl.ListFormat(formatLocale, { type: 'conjunction' }).format(items.map(String));
}

export function formatNumber(value, options = {}) {
  return new Intl.NumberFormat(formatLocale, options).format(value);
}

// An exact decimal as the server keeps it ('52.00'), in the locale's separators with its own decimal places:
// '52,00' in Vietnamese. Text that is not a number is shown as it is.
export function formatDecimal(text) {
  const number = Number(text);
  if (text === null || text === undefined || text === '' || !Number.isFinite(number)) return text ?? '';
  const typed = String(text);
  const places = typed.includes('.') ? typed.length - typed.indexOf('.') - 1 : 0;
  return formatNumber(number, { minimumFractionDigits: places, maximumFractionDigits: places });
}

// A moment (an ISO timestamp) as date and time, or only its time, in the phone's time zone.
export function formatDateTime(value) {
  return new Intl.DateTimeFormat(formatLocale, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(value));
}

export function formatTime(value) {
  return new Intl.DateTimeFormat(formatLocale, { timeStyle: 'short' }).format(new Date(value));
}

// A day: a calendar day ('2026-11-30') is that same day in every time zone (read and written as UTC);
// a moment (an ISO timestamp) is the day it was on this phone.
export function formatDay(value) {
  if (!value) return value;
  const calendarDay = /^\d{4}-\d{2}-\d{2}$/.test(value);
  const day = calendarDay ? new Date(`${value}T00:00:00Z`) : new Date(value);
  return new Intl.DateTimeFormat(formatLocale, { dateStyle: 'medium', timeZone: calendarDay ? 'UTC' : undefined }).format(day);
}

export function defectName(defectType) {
  return defectType.names_translated?.[language] || defectType.name;
}

// The name in the phone's own language, when the screens are set to another one and a translation
// exists: an English-reading inspector and a Vietnamese-reading line leader share one phone.
// The phone's languages count even where the app has no table for them (a Khmer name from the server).
export function defectSecondName(defectType) {
  const own = phoneLanguages().map(baseLanguage).find((tag) => defectType.names_translated?.[tag]);
  return own && own !== language ? { lang: own, name: defectType.names_translated[own] } : null;
}

setLocale(null);
