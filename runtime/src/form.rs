//! Form-encoded APIs (PAYONE's Server API and the like): building
//! `application/x-www-form-urlencoded` bodies with bracketed and indexed keys,
//! parsing `key=value` line responses and notifications, checking field
//! formats before sending, and hashing a credential for the body.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, OnceLock};

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::values::StringEnum;

type Pair = (Cow<'static, str>, String);

/// The pairs of a form body, in the order they will be sent.
///
/// A client keeps the pairs every request starts with (credentials, API
/// version) in one form and clones it per request. Cloning is cheap: the
/// first clone freezes the pairs into a shared list, which this clone and
/// every later one refer to instead of copying each pair. A form's own
/// values are kept in one text buffer, not one string each.
#[derive(Default)]
pub struct Form {
    /// Leading pairs shared with the form this one was cloned from.
    shared: Option<Arc<[Pair]>>,
    /// This form's own pairs, after the shared ones: each key, and its
    /// value as a byte range of `text`.
    own: Vec<(Cow<'static, str>, usize, usize)>,
    text: String,
    /// All pairs, frozen by the first clone; reset by any change.
    frozen: OnceLock<Arc<[Pair]>>,
}

impl Clone for Form {
    fn clone(&self) -> Self {
        let all = self
            .frozen
            .get_or_init(|| match (&self.shared, self.own.is_empty()) {
                (Some(shared), true) => shared.clone(),
                _ => {
                    let own = self
                        .own
                        .iter()
                        .map(|(k, a, b)| (k.clone(), self.value(*a, *b).to_string()));
                    self.shared
                        .iter()
                        .flat_map(|s| s.iter().cloned())
                        .chain(own)
                        .collect()
                }
            });
        Form {
            shared: Some(all.clone()),
            own: Vec::new(),
            text: String::new(),
            frozen: OnceLock::new(),
        }
    }
}

impl fmt::Debug for Form {
    // Values may include a hashed credential: show the keys only.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.all().map(|(k, _)| k)).finish()
    }
}

impl Form {
    /// An empty form.
    pub fn new() -> Self {
        Form::default()
    }

    fn value(&self, start: usize, end: usize) -> &str {
        self.text.get(start..end).unwrap_or_default()
    }

    /// Every pair, in order.
    fn all(&self) -> impl Iterator<Item = (&str, &str)> {
        self.shared
            .iter()
            .flat_map(|s| s.iter().map(|(k, v)| (k.as_ref(), v.as_str())))
            .chain(
                self.own
                    .iter()
                    .map(|(k, a, b)| (k.as_ref(), self.value(*a, *b))),
            )
    }

    /// Adds a pair (and forgets the frozen copy, which no longer matches).
    fn add(&mut self, key: Cow<'static, str>, value: &str) {
        self.frozen.take();
        if self.text.capacity() == 0 {
            self.text.reserve(256);
            self.own.reserve(24);
        }
        let start = self.text.len();
        self.text.push_str(value);
        self.own.push((key, start, self.text.len()));
    }

    /// Adds `key=value`; an empty value is not sent.
    pub fn push<V: FormValue + ?Sized>(&mut self, key: &'static str, value: &V) {
        let v = value.form_value();
        if !v.is_empty() {
            self.add(Cow::Borrowed(key), &v);
        }
    }

    /// Adds `key=value` when the value is present.
    pub fn push_opt<V: FormValue>(&mut self, key: &'static str, value: &Option<V>) {
        if let Some(v) = value {
            self.push(key, v);
        }
    }

    /// Adds `prefix[n]=value` for item `n` (1-based) of an indexed group.
    pub fn push_indexed<V: FormValue + ?Sized>(&mut self, prefix: &str, n: usize, value: &V) {
        let v = value.form_value();
        if !v.is_empty() {
            self.add(Cow::Owned(format!("{prefix}[{n}]")), &v);
        }
    }

    /// Adds `prefix[n]=value` when the value is present.
    pub fn push_indexed_opt<V: FormValue>(&mut self, prefix: &str, n: usize, value: &Option<V>) {
        if let Some(v) = value {
            self.push_indexed(prefix, n, v);
        }
    }

    /// Adds `name[key]=value` for each entry of a map.
    pub fn push_map(&mut self, name: &str, map: &BTreeMap<String, String>) {
        for (k, v) in map {
            if !v.is_empty() {
                self.add(Cow::Owned(format!("{name}[{k}]")), v);
            }
        }
    }

    /// Adds `name[key]=value` for each entry of a map, when present.
    pub fn push_map_opt(&mut self, name: &str, map: &Option<BTreeMap<String, String>>) {
        if let Some(m) = map {
            self.push_map(name, m);
        }
    }

    /// Adds a secret value (exposed only into the body).
    pub fn push_secret(&mut self, key: &'static str, value: &SecretString) {
        self.add(Cow::Borrowed(key), value.expose_secret());
    }

    /// The keys, in order (values may hold a hashed credential, so only the
    /// keys are exposed).
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.all().map(|(k, _)| k)
    }

    /// `application/x-www-form-urlencoded`, UTF-8.
    pub fn encode(&self) -> String {
        let out = self.encode_utf8();
        // Only ASCII is written, so this never fails.
        String::from_utf8(out)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
    }

    /// The UTF-8 body: each key and value written in one pass over its
    /// bytes (runs of bytes kept as they are are copied whole), into a
    /// buffer sized for the pairs up front.
    fn encode_utf8(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.encoded_len_estimate());
        let mut first = true;
        let mut pair = |key: &str, value: &str| {
            if !first {
                out.push(b'&');
            }
            first = false;
            crate::encode::form_component(&mut out, key.as_bytes());
            out.push(b'=');
            crate::encode::form_component(&mut out, value.as_bytes());
        };
        for (k, v) in self.shared.iter().flat_map(|s| s.iter()) {
            pair(k, v);
        }
        for (k, a, b) in &self.own {
            pair(k, self.value(*a, *b));
        }
        out
    }

    /// The raw length of the pairs with a quarter more for escapes: most
    /// bodies fit without growing the buffer.
    fn encoded_len_estimate(&self) -> usize {
        let shared: usize = self
            .shared
            .iter()
            .flat_map(|s| s.iter())
            .map(|(k, v)| k.len() + v.len() + 2)
            .sum();
        let own: usize = self.own.iter().map(|(k, a, b)| k.len() + (b - a) + 2).sum();
        let raw = shared + own;
        raw + raw / 4
    }

    /// `application/x-www-form-urlencoded` with the characters in
    /// `charset`, named case-insensitively: `UTF-8` (as [`Form::encode`]),
    /// or `ISO-8859-1` (also `latin1`, `ISO8859-1`, `ISO_8859-1`), where
    /// each character up to U+00FF is one byte (`Müller` → `M%FCller`).
    ///
    /// A character the charset cannot represent is an error naming the key
    /// and the character (never the value), and so is an unknown charset
    /// name (its key is `encoding`).
    pub fn encode_as(&self, charset: &str) -> Result<Vec<u8>, Invalid> {
        match Charset::from_name(charset) {
            Some(Charset::Utf8) => Ok(self.encode_utf8()),
            Some(Charset::Latin1) => {
                let mut out = Vec::with_capacity(self.encoded_len_estimate());
                for (i, (key, value)) in self.all().enumerate() {
                    if i > 0 {
                        out.push(b'&');
                    }
                    latin1_component(&mut out, key, key)?;
                    out.push(b'=');
                    latin1_component(&mut out, value, key)?;
                }
                Ok(out)
            }
            None => Err(Invalid {
                field: "encoding".to_string(),
                rule: format!(
                    "names the charset {:?}, which is not supported (UTF-8 or ISO-8859-1)",
                    crate::error::clipped(charset, 64)
                ),
            }),
        }
    }
}

/// The charsets a form body can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Charset {
    Utf8,
    Latin1,
}

/// Checks a charset name for [`Form::encode_as`] when a client is built.
pub fn check_charset(name: &str) -> Result<(), crate::BuildError> {
    match Charset::from_name(name) {
        Some(_) => Ok(()),
        None => Err(crate::BuildError(format!(
            "the body charset {:?} is not supported; expected UTF-8 or ISO-8859-1",
            crate::error::clipped(name, 64)
        ))),
    }
}

impl Charset {
    fn from_name(name: &str) -> Option<Charset> {
        // Case-insensitive, without allocating: this runs on every send.
        let name = name.trim();
        let is = |names: &[&str]| names.iter().any(|n| n.eq_ignore_ascii_case(name));
        if is(&["utf-8", "utf8"]) {
            Some(Charset::Utf8)
        } else if is(&["iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "latin-1"]) {
            Some(Charset::Latin1)
        } else {
            None
        }
    }
}

/// Appends `text` percent-encoded as ISO-8859-1 bytes (spaces as `+`,
/// `A-Z a-z 0-9 * - . _` as they are, every other byte as `%XX`).
fn latin1_component(out: &mut Vec<u8>, text: &str, key: &str) -> Result<(), Invalid> {
    if text.is_ascii() {
        // ASCII is the same bytes in both charsets.
        crate::encode::form_component(out, text.as_bytes());
        return Ok(());
    }
    let mut bytes = Vec::with_capacity(text.len());
    for c in text.chars() {
        match u8::try_from(u32::from(c)) {
            Ok(b) => bytes.push(b),
            Err(_) => {
                return Err(Invalid {
                    field: key.to_string(),
                    rule: format!("contains {c:?}, which ISO-8859-1 cannot represent"),
                })
            }
        }
    }
    crate::encode::form_component(out, &bytes);
    Ok(())
}

/// A value that can travel in a form body or be parsed from a `key=value` response.
pub trait FormValue {
    /// The value as sent in the body.
    fn form_value(&self) -> Cow<'_, str>;
}

/// A value parsed from the text of a `key=value` response or notification.
pub trait KvValue: Sized {
    /// Reads a value from its text.
    fn parse_kv(s: &str) -> Result<Self, String>;
}

impl FormValue for str {
    fn form_value(&self) -> Cow<'_, str> {
        Cow::Borrowed(self)
    }
}

impl FormValue for String {
    fn form_value(&self) -> Cow<'_, str> {
        Cow::Borrowed(self)
    }
}

impl KvValue for String {
    fn parse_kv(s: &str) -> Result<Self, String> {
        Ok(s.to_string())
    }
}

macro_rules! numeric {
    ($($t:ty),*) => {$(
        impl FormValue for $t {
            fn form_value(&self) -> Cow<'_, str> {
                Cow::Owned(self.to_string())
            }
        }
        impl KvValue for $t {
            fn parse_kv(s: &str) -> Result<Self, String> {
                s.trim().parse().map_err(|_| format!("`{s}` is not a number"))
            }
        }
    )*};
}
numeric!(i32, i64);

impl FormValue for bool {
    fn form_value(&self) -> Cow<'_, str> {
        Cow::Borrowed(if *self { "true" } else { "false" })
    }
}

impl KvValue for bool {
    fn parse_kv(s: &str) -> Result<Self, String> {
        match s {
            "true" | "yes" | "1" => Ok(true),
            "false" | "no" | "0" => Ok(false),
            _ => Err(format!("`{s}` is not a boolean")),
        }
    }
}

impl<T: StringEnum> FormValue for T {
    fn form_value(&self) -> Cow<'_, str> {
        Cow::Borrowed(self.as_str())
    }
}

impl<T: StringEnum> KvValue for T {
    fn parse_kv(s: &str) -> Result<Self, String> {
        Ok(T::from_wire(s))
    }
}

/// A calendar date sent as `YYYYMMDD` (PAYONE's `DATE(8)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CompactDate(pub time::Date);

const COMPACT: &[time::format_description::BorrowedFormatItem<'static>] =
    time::macros::format_description!("[year][month][day]");

impl CompactDate {
    /// From year, month (1–12) and day; `None` for a date that does not exist.
    pub fn from_ymd(year: i32, month: u8, day: u8) -> Option<Self> {
        let month = time::Month::try_from(month).ok()?;
        time::Date::from_calendar_date(year, month, day)
            .ok()
            .map(CompactDate)
    }

    /// Parses `YYYYMMDD`.
    pub fn parse(s: &str) -> Result<Self, String> {
        time::Date::parse(s, COMPACT)
            .map(CompactDate)
            .map_err(|_| format!("`{s}` is not a YYYYMMDD date"))
    }
}

impl fmt::Display for CompactDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.0;
        write!(f, "{:04}{:02}{:02}", d.year(), u8::from(d.month()), d.day())
    }
}

impl FormValue for CompactDate {
    fn form_value(&self) -> Cow<'_, str> {
        Cow::Owned(self.to_string())
    }
}

impl KvValue for CompactDate {
    fn parse_kv(s: &str) -> Result<Self, String> {
        CompactDate::parse(s)
    }
}

impl Serialize for CompactDate {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for CompactDate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        CompactDate::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// A `key=value` line body (PAYONE responses) or a form body
/// (notifications): ordered pairs, keys kept with their brackets. `Debug`
/// shows the keys only: a notification carries the hashed credential.
///
/// The text is held once; the pairs are ranges of it (parsing an answer
/// allocates two buffers, not two strings per line).
#[derive(Clone, Default)]
pub struct KeyValues {
    text: String,
    /// Each pair's key and value as byte ranges of `text`.
    pairs: Vec<[usize; 4]>,
}

impl PartialEq for KeyValues {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for KeyValues {}

impl fmt::Debug for KeyValues {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter().map(|(k, _)| k)).finish()
    }
}

impl KeyValues {
    /// Parses `key=value` lines. Each line is split at its first `=` only, so
    /// values may contain `=` and `&`; blank lines are skipped; `\r\n` is
    /// accepted. Invalid UTF-8 is read as ISO-8859-1.
    pub fn parse_lines(body: &[u8]) -> KeyValues {
        let text = decode_text(body).into_owned();
        let mut pairs = Vec::with_capacity(8);
        let mut start = 0;
        for raw in text.split('\n') {
            let line_start = start;
            start += raw.len() + 1;
            let line = raw.strip_suffix('\r').unwrap_or(raw);
            // A line that starts with a visible ASCII character is not blank
            // (the common case, decided without scanning the line).
            if !line.as_bytes().first().is_some_and(|&b| solid(b)) && line.trim().is_empty() {
                continue;
            }
            let (key, value) = match line.find('=') {
                Some(eq) => (
                    trimmed(line_start, &line[..eq]),
                    [line_start + eq + 1, line_start + line.len()],
                ),
                None => (trimmed(line_start, line), [line_start + line.len(); 2]),
            };
            pairs.push([key[0], key[1], value[0], value[1]]);
        }
        KeyValues { text, pairs }
    }

    /// Parses an `application/x-www-form-urlencoded` body whose bytes are in
    /// ISO-8859-1 (each byte is one character) or UTF-8.
    pub fn parse_form(body: &[u8], latin1: bool) -> KeyValues {
        let mut text = String::with_capacity(body.len());
        let mut pairs = Vec::new();
        for p in body.split(|&b| b == b'&').filter(|p| !p.is_empty()) {
            let (k, v) = match p.iter().position(|&b| b == b'=') {
                Some(i) => (&p[..i], &p[i + 1..]),
                None => (p, &[][..]),
            };
            let k0 = text.len();
            form_decode(k, latin1, &mut text);
            let v0 = text.len();
            form_decode(v, latin1, &mut text);
            pairs.push([k0, v0, v0, text.len()]);
        }
        KeyValues { text, pairs }
    }

    /// The first value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        let text = self.text.as_bytes();
        self.pairs
            .iter()
            .find(|p| text.get(p[0]..p[1]) == Some(key.as_bytes()))
            .map(|p| self.text.get(p[2]..p[3]).unwrap_or_default())
    }

    /// Parses the value of `key`, if present and not empty.
    pub fn parse<T: KvValue>(&self, key: &str) -> Result<Option<T>, String> {
        match self.get(key) {
            None | Some("") => Ok(None),
            Some(v) => T::parse_kv(v)
                .map(Some)
                .map_err(|e| format!("`{key}`: {e}")),
        }
    }

    /// Parses the value of the first of `keys` that is present and not
    /// empty (a field with other spellings).
    pub fn parse_any<T: KvValue>(&self, keys: &[&str]) -> Result<Option<T>, String> {
        for key in keys {
            if let Some(v) = self.parse(key)? {
                return Ok(Some(v));
            }
        }
        Ok(None)
    }

    /// Every pair whose key is not in `known`.
    pub fn rest(&self, known: &[&str]) -> BTreeMap<String, String> {
        // Inserted one by one (a later duplicate replaces an earlier one, as
        // collecting would): no intermediate list when nothing is left over.
        let mut rest = BTreeMap::new();
        for (k, v) in self.iter() {
            if !known.contains(&k) {
                rest.insert(k.to_string(), v.to_string());
            }
        }
        rest
    }

    /// The entries `name[key]=value`, as `key → value`.
    pub fn prefixed(&self, name: &str) -> BTreeMap<String, String> {
        self.iter()
            .filter_map(|(k, v)| {
                let inner = k.strip_prefix(name)?.strip_prefix('[')?.strip_suffix(']')?;
                Some((inner.to_string(), v.to_string()))
            })
            .collect()
    }

    /// The pairs in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.pairs.iter().map(|&[k0, k1, v0, v1]| {
            (
                self.text.get(k0..k1).unwrap_or_default(),
                self.text.get(v0..v1).unwrap_or_default(),
            )
        })
    }
}

/// The range of `part` (which starts at `offset`) without surrounding whitespace.
fn trimmed(offset: usize, part: &str) -> [usize; 2] {
    let bytes = part.as_bytes();
    if bytes.first().is_some_and(|&b| solid(b)) && bytes.last().is_some_and(|&b| solid(b)) {
        // Nothing to trim at either end.
        return [offset, offset + part.len()];
    }
    let t = part.trim();
    // `t` lies within `part`; its distance from the start is what was trimmed.
    let start = offset + (t.as_ptr() as usize - part.as_ptr() as usize);
    [start, start + t.len()]
}

/// An ASCII byte that is not whitespace (as `char::is_whitespace` reads
/// it): a text that starts or ends with one has nothing to trim there.
fn solid(b: u8) -> bool {
    b.is_ascii() && !char::from(b).is_whitespace()
}

fn decode_text(body: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(body) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => Cow::Owned(body.iter().map(|&b| b as char).collect()),
    }
}

/// Appends the percent-decoded text of `raw` (`+` is a space) to `out`.
fn form_decode(raw: &[u8], latin1: bool, out: &mut String) {
    let mut bytes = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'+' => bytes.push(b' '),
            b'%' => {
                let hex = raw
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(b) => {
                        bytes.push(b);
                        i += 2;
                    }
                    None => bytes.push(b'%'),
                }
            }
            b => bytes.push(b),
        }
        i += 1;
    }
    if latin1 {
        out.extend(bytes.iter().map(|&b| b as char));
    } else {
        out.push_str(&String::from_utf8_lossy(&bytes));
    }
}

/// Hash algorithms for a credential sent in the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KeyHash {
    /// Lowercase hex MD5 (PAYONE's default).
    #[default]
    Md5,
    /// Lowercase hex SHA-384.
    Sha384,
}

impl KeyHash {
    /// The lowercase hex digest of `secret`, itself held as a secret.
    pub fn digest(self, secret: &SecretString) -> SecretString {
        use md5::Digest as _;
        let bytes = secret.expose_secret().as_bytes();
        let digest: Vec<u8> = match self {
            KeyHash::Md5 => md5::Md5::digest(bytes).to_vec(),
            KeyHash::Sha384 => aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA384, bytes)
                .as_ref()
                .to_vec(),
        };
        let mut hex = String::with_capacity(digest.len() * 2);
        for b in digest {
            hex.push_str(&format!("{b:02x}"));
        }
        SecretString::from(hex)
    }
}

/// A field that broke a rule of its format: nothing was sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{field}` {rule}")]
pub struct Invalid {
    /// The wire name (`add_paydata[shipping_email]`, `pr[2]`), or the Rust
    /// name of an indexed group for its item count (`items`).
    pub field: String,
    /// The rule broken (`must be 2 to 50 characters long, is 1`).
    pub rule: String,
}

impl Invalid {
    /// [`crate::Error::Validation`] of `operation`.
    pub fn into_error<E: fmt::Debug>(self, operation: &'static str) -> crate::Error<E> {
        crate::Error::Validation {
            operation,
            field: self.field,
            rule: self.rule,
        }
    }
}

/// Pre-send checks of field formats. Each returns the rule broken.
pub mod check {
    use super::Invalid;

    /// Names the field a check failed for.
    pub fn field(key: &str, result: Result<(), String>) -> Result<(), Invalid> {
        result.map_err(|rule| Invalid {
            field: key.to_string(),
            rule,
        })
    }

    /// Names the field `key[n]` of item `n` a check failed for (the name is
    /// built only on failure).
    pub fn item_field(key: &str, n: usize, result: Result<(), String>) -> Result<(), Invalid> {
        result.map_err(|rule| Invalid {
            field: format!("{key}[{n}]"),
            rule,
        })
    }

    /// A required value that is not empty (an empty value would not be sent).
    pub fn present(value: &str) -> Result<(), String> {
        if value.is_empty() {
            Err("is required and must not be empty".to_string())
        } else {
            Ok(())
        }
    }

    /// Length in characters within `min..=max`.
    pub fn length(value: &str, min: Option<u64>, max: Option<u64>) -> Result<(), String> {
        // A UTF-8 text of `b` bytes has between `b / 4` (rounded up) and `b`
        // characters: when both bounds hold for those, nothing is counted.
        let bytes = value.len() as u64;
        if min.is_none_or(|lo| bytes.div_ceil(4) >= lo) && max.is_none_or(|hi| bytes <= hi) {
            return Ok(());
        }
        let n = value.chars().count() as u64;
        match (min, max) {
            (Some(lo), Some(hi)) if n < lo || n > hi => Err(if lo == hi {
                format!("must be exactly {lo} characters long, is {n}")
            } else {
                format!("must be {lo} to {hi} characters long, is {n}")
            }),
            (Some(lo), None) if n < lo => {
                Err(format!("must be at least {lo} characters long, is {n}"))
            }
            (None, Some(hi)) if n > hi => {
                Err(format!("must be at most {hi} characters long, is {n}"))
            }
            _ => Ok(()),
        }
    }

    /// Only characters from `allowed` (ranges `a-z` or single characters).
    pub fn symbols(value: &str, allowed: &[&str]) -> Result<(), String> {
        // Each rule is read in place (no allocation per character).
        let ok = |c: char| {
            allowed.iter().any(|a| {
                let mut cs = a.chars();
                match (cs.next(), cs.next(), cs.next(), cs.next()) {
                    (Some(lo), Some('-'), Some(hi), None) => (lo..=hi).contains(&c),
                    (Some(one), None, _, _) => c == one,
                    _ => false,
                }
            })
        };
        match value.chars().find(|&c| !ok(c)) {
            Some(bad) => Err(format!(
                "contains {bad:?}, which is not permitted (allowed: {})",
                allowed.join(" ")
            )),
            None => Ok(()),
        }
    }

    /// Number of digits (sign not counted) within `min..=max`.
    pub fn digits(value: i64, min: Option<u32>, max: Option<u32>) -> Result<(), String> {
        let n = value.unsigned_abs().checked_ilog10().map_or(1, |l| l + 1);
        if min.is_some_and(|lo| n < lo) || max.is_some_and(|hi| n > hi) {
            return Err(match (min, max) {
                (Some(lo), Some(hi)) if lo != hi => {
                    format!("must have {lo} to {hi} digits, has {n}")
                }
                (_, Some(hi)) => format!("must have at most {hi} digits, has {n}"),
                (Some(lo), None) => format!("must have at least {lo} digits, has {n}"),
                (None, None) => unreachable!("checked above that a bound exists"),
            });
        }
        Ok(())
    }

    /// Within `min..=max`.
    pub fn range(value: i64, min: Option<i64>, max: Option<i64>) -> Result<(), String> {
        if min.is_some_and(|lo| value < lo) || max.is_some_and(|hi| value > hi) {
            let lo = min.map_or("…".to_string(), |v| v.to_string());
            let hi = max.map_or("…".to_string(), |v| v.to_string());
            return Err(format!("must be between {lo} and {hi}, is {value}"));
        }
        Ok(())
    }

    /// Number of items within `min..=max`.
    pub fn items(count: usize, min: Option<u64>, max: Option<u64>) -> Result<(), String> {
        let n = count as u64;
        if min.is_some_and(|lo| n < lo) || max.is_some_and(|hi| n > hi) {
            return Err(format!(
                "must have {} to {} items, has {n}",
                min.unwrap_or(0),
                max.map_or("any number of".to_string(), |v| v.to_string())
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_values_are_not_sent_and_brackets_are_encoded() {
        let mut f = Form::new();
        f.push("request", "genericpayment");
        f.push("firstname", "");
        f.push("add_paydata[action]", "start_session");
        f.push_indexed("it", 1, "goods");
        f.push("street", "Hellersbergstraße 14");
        assert_eq!(
            f.encode(),
            "request=genericpayment&add_paydata%5Baction%5D=start_session&it%5B1%5D=goods&street=Hellersbergstra%C3%9Fe+14"
        );
    }

    #[test]
    fn forms_encode_in_utf8_or_latin1() {
        let mut f = Form::new();
        f.push("lastname", "Müller");
        f.push("city", "Köln Mitte");
        f.push("add_paydata[x]", "a&b=c");
        assert_eq!(
            f.encode_as("ISO-8859-1").unwrap(),
            b"lastname=M%FCller&city=K%F6ln+Mitte&add_paydata%5Bx%5D=a%26b%3Dc".to_vec()
        );
        for name in ["iso-8859-1", "latin1", "LATIN1", " ISO_8859-1 "] {
            assert_eq!(
                f.encode_as(name).unwrap(),
                f.encode_as("ISO-8859-1").unwrap()
            );
        }
        for name in ["UTF-8", "utf-8", "utf8"] {
            assert_eq!(f.encode_as(name).unwrap(), f.encode().into_bytes());
        }
        assert_eq!(
            String::from_utf8(f.encode_as("UTF-8").unwrap()).unwrap(),
            "lastname=M%C3%BCller&city=K%C3%B6ln+Mitte&add_paydata%5Bx%5D=a%26b%3Dc"
        );
        // Every Latin-1 character round-trips through the notification parser.
        let all: String = (0x20u8..=0xFF).map(char::from).collect();
        let mut g = Form::new();
        g.push("text", all.as_str());
        let kv = KeyValues::parse_form(&g.encode_as("latin1").unwrap(), true);
        assert_eq!(kv.get("text"), Some(all.as_str()));
    }

    #[test]
    fn unrepresentable_characters_and_unknown_charsets_are_errors() {
        let mut f = Form::new();
        f.push("firstname", "Anna");
        f.push("lastname", "Łukasiewicz-SECRET");
        let err = f.encode_as("ISO-8859-1").unwrap_err();
        assert_eq!(
            err,
            Invalid {
                field: "lastname".into(),
                rule: "contains 'Ł', which ISO-8859-1 cannot represent".into()
            }
        );
        assert!(!err.to_string().contains("SECRET"), "{err}");
        let mut g = Form::new();
        g.push("note", "€5");
        assert_eq!(g.encode_as("latin1").unwrap_err().field, "note");
        // UTF-8 writes anything.
        assert!(f.encode_as("UTF-8").is_ok());
        let err = f.encode_as("windows-1252").unwrap_err();
        assert_eq!(err.field, "encoding");
        assert!(err.rule.contains("windows-1252"), "{err}");
    }

    #[test]
    fn lines_split_at_the_first_equals_sign() {
        let kv = KeyValues::parse_lines(
            b"status=REDIRECT\r\nredirecturl=https://x.test/p?a=1&b=2\n\nadd_paydata[client_token]=ab==\n",
        );
        assert_eq!(kv.get("status"), Some("REDIRECT"));
        assert_eq!(kv.get("redirecturl"), Some("https://x.test/p?a=1&b=2"));
        assert_eq!(kv.get("add_paydata[client_token]"), Some("ab=="));
        assert_eq!(
            kv.parse::<i64>("status").unwrap_err(),
            "`status`: `REDIRECT` is not a number"
        );
    }

    #[test]
    fn debug_of_key_values_shows_keys_only() {
        let kv = KeyValues::parse_form(b"key=5ebe2294ecd0e0f08eab7690d2a6ee69&txid=1", false);
        let shown = format!("{kv:?}");
        assert_eq!(shown, r#"["key", "txid"]"#);
    }

    #[test]
    fn latin1_forms_decode() {
        let kv = KeyValues::parse_form(b"key=abc&lastname=M%FCller&city=K%F6ln+Mitte&x", true);
        assert_eq!(kv.get("lastname"), Some("Müller"));
        assert_eq!(kv.get("city"), Some("Köln Mitte"));
        assert_eq!(kv.get("x"), Some(""));
    }

    #[test]
    fn key_hashes_are_lowercase_hex() {
        let key = SecretString::from("secret".to_string());
        assert_eq!(
            KeyHash::Md5.digest(&key).expose_secret(),
            "5ebe2294ecd0e0f08eab7690d2a6ee69"
        );
        assert_eq!(KeyHash::Sha384.digest(&key).expose_secret().len(), 96);
    }

    #[test]
    fn checks_name_the_rule() {
        assert_eq!(
            check::length("A", Some(2), Some(50)).unwrap_err(),
            "must be 2 to 50 characters long, is 1"
        );
        assert!(check::length("Müller", Some(2), Some(6)).is_ok());
        assert_eq!(
            check::symbols("12 345", &["0-9"]).unwrap_err(),
            "contains ' ', which is not permitted (allowed: 0-9)"
        );
        assert_eq!(
            check::digits(1234567, None, Some(6)).unwrap_err(),
            "must have at most 6 digits, has 7"
        );
        assert!(check::digits(-1000, Some(1), Some(10)).is_ok());
        assert_eq!(
            check::range(128, Some(0), Some(127)).unwrap_err(),
            "must be between 0 and 127, is 128"
        );
        assert_eq!(
            CompactDate::parse("19600707").unwrap().to_string(),
            "19600707"
        );
        assert!(CompactDate::parse("19601307").is_err());
    }
}

#[cfg(test)]
mod digit_tests {
    use super::check;

    #[test]
    fn digits_are_counted_without_the_sign() {
        for (value, n) in [
            (0i64, 1u32),
            (9, 1),
            (10, 2),
            (-99, 2),
            (100, 3),
            (i64::MAX, 19),
            (i64::MIN, 19),
        ] {
            assert!(check::digits(value, Some(n), Some(n)).is_ok(), "{value}");
            assert!(check::digits(value, Some(n + 1), None).is_err(), "{value}");
        }
        assert!(check::symbols("AB-12", &["A-Z", "0-9", "-"]).is_ok());
        assert!(check::symbols("ab", &["A-Z"]).is_err());
    }
}

#[cfg(test)]
mod encode_tests {
    use super::Form;

    #[test]
    fn bodies_match_the_url_crate_serializer() {
        let mut base = Form::new();
        base.push("mid", "23456");
        base.push("add_paydata[x]", "a&b=c d");
        let mut f = base.clone();
        f.push("lastname", "Müller");
        f.push("amount", &300_i64);
        let expected = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("mid", "23456")
            .append_pair("add_paydata[x]", "a&b=c d")
            .append_pair("lastname", "Müller")
            .append_pair("amount", "300")
            .finish();
        assert_eq!(f.encode(), expected);
        assert_eq!(f.encode_as("utf-8").unwrap(), expected.into_bytes());
        assert_eq!(Form::new().encode(), "");
    }
}

#[cfg(test)]
mod clone_tests {
    use super::Form;

    #[test]
    fn clones_share_the_base_and_changes_stay_apart() {
        let mut base = Form::new();
        base.push("mid", "1");
        base.push("aid", "2");
        let mut a = base.clone();
        a.push("request", "x");
        let mut b = base.clone();
        b.push("request", "y");
        assert_eq!(a.encode(), "mid=1&aid=2&request=x");
        assert_eq!(b.encode(), "mid=1&aid=2&request=y");
        assert_eq!(base.encode(), "mid=1&aid=2");
        // A change to the base after a clone is seen by later clones only.
        base.push("mode", "test");
        assert_eq!(base.clone().encode(), "mid=1&aid=2&mode=test");
        assert_eq!(a.encode(), "mid=1&aid=2&request=x");
        // A clone of a clone keeps everything.
        let c = a.clone();
        assert_eq!(c.encode(), "mid=1&aid=2&request=x");
        assert_eq!(c.keys().collect::<Vec<_>>(), ["mid", "aid", "request"]);
        assert_eq!(format!("{c:?}"), r#"["mid", "aid", "request"]"#);
    }
}

#[cfg(test)]
mod kv_tests {
    use super::{check, KeyValues};

    #[test]
    fn lines_keep_their_pairs() {
        let kv = KeyValues::parse_lines(b" status = OK \r\n\r\nflag\nx==y\r\nempty=\n");
        assert_eq!(
            kv.iter().collect::<Vec<_>>(),
            [("status", " OK "), ("flag", ""), ("x", "=y"), ("empty", "")]
        );
        assert_eq!(
            kv,
            KeyValues::parse_lines(b"status= OK \nflag\nx==y\nempty=")
        );
        assert_ne!(kv, KeyValues::parse_lines(b"status=OK"));
        let form = KeyValues::parse_form(b"a=1&b%5Bc%5D=x+y&&d", false);
        assert_eq!(
            form.iter().collect::<Vec<_>>(),
            [("a", "1"), ("b[c]", "x y"), ("d", "")]
        );
        assert_eq!(form.prefixed("b").get("c").map(String::as_str), Some("x y"));
        assert_eq!(form.rest(&["a", "b[c]"]).len(), 1);
    }

    #[test]
    fn lengths_count_characters_not_bytes() {
        assert!(check::length("ééé", Some(3), Some(3)).is_ok());
        assert!(check::length("𝄞𝄞", Some(1), Some(2)).is_ok());
        assert!(check::length("𝄞𝄞𝄞", Some(1), Some(2)).is_err());
        assert!(check::length("abc", Some(4), None).is_err());
        assert!(check::length("", None, Some(0)).is_ok());
    }
}
