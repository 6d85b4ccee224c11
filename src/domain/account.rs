//! Account fields with the validation rules of seed `000` §4 and SPEC §3.

use std::sync::LazyLock;

use regex::Regex;

static USERNAME_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[\w.@+-]+$").expect("static regex"));
static EMAIL_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$",
    )
    .expect("static regex")
});
static PHONE_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\+?\d{10,15}$").expect("static regex"));

/// A username: `^[\w.@+-]+$`, at most 150 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    /// Parses a username (surrounding whitespace is trimmed).
    pub fn parse(raw: &str) -> Result<Self, String> {
        let value = raw.trim();
        if value.is_empty() {
            return Err("This field is required.".to_owned());
        }
        if value.chars().count() > 150 {
            return Err("Ensure this field has no more than 150 characters.".to_owned());
        }
        if !USERNAME_RE.is_match(value) {
            return Err("Enter a valid username: letters, digits and @ . + - _ only.".to_owned());
        }
        Ok(Self(value.to_owned()))
    }

    /// The username.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An email address, lowercased, at most 254 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// Parses and lowercases an email address.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let value = raw.trim();
        if value.is_empty() {
            return Err("This field is required.".to_owned());
        }
        if value.len() > 254 {
            return Err("Ensure this field has no more than 254 characters.".to_owned());
        }
        let local_len = value.split('@').next().map_or(0, str::len);
        if local_len > 64 || !EMAIL_RE.is_match(value) {
            return Err("Enter a valid email address.".to_owned());
        }
        Ok(Self(value.to_lowercase()))
    }

    /// The lowercased address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A phone number normalised to `^\+?\d{10,15}$` (spaces, dashes, dots and
/// parentheses removed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phone(String);

impl Phone {
    /// Parses and normalises a phone number.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let value: String = raw
            .trim()
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')'))
            .collect();
        if value.is_empty() {
            return Err("This field is required.".to_owned());
        }
        if !PHONE_RE.is_match(&value) {
            return Err(
                "Enter a valid phone number: 10 to 15 digits, optionally starting with +."
                    .to_owned(),
            );
        }
        Ok(Self(value))
    }

    /// The normalised number.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password that passed the policy. Kept out of `Debug` output.
#[derive(Clone)]
pub struct Password(String);

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

static COMMON_PASSWORDS: LazyLock<std::collections::HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("common-passwords.txt")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
});

impl Password {
    /// Checks the policy: at least 8 characters, one upper, one lower, one digit, one
    /// special character, not similar to the username or email, not a common password.
    /// Every broken rule is reported.
    pub fn parse(raw: &str, username: Option<&str>, email: Option<&str>) -> Result<Self, String> {
        if raw.is_empty() {
            return Err("This field is required.".to_owned());
        }
        let mut problems = Vec::new();
        if raw.chars().count() < 8 {
            problems.push("at least 8 characters");
        }
        if raw.chars().count() > 128 {
            problems.push("at most 128 characters");
        }
        if !raw.chars().any(char::is_uppercase) {
            problems.push("an uppercase letter");
        }
        if !raw.chars().any(char::is_lowercase) {
            problems.push("a lowercase letter");
        }
        if !raw.chars().any(|c| c.is_ascii_digit()) {
            problems.push("a digit");
        }
        if !raw
            .chars()
            .any(|c| !c.is_alphanumeric() && !c.is_whitespace())
        {
            problems.push("a special character");
        }
        if !problems.is_empty() {
            return Err(format!("The password needs {}.", problems.join(", ")));
        }
        let lowered = raw.to_lowercase();
        let attributes = [
            username.map(str::to_lowercase),
            email.map(str::to_lowercase),
            email
                .and_then(|e| e.split('@').next())
                .map(str::to_lowercase),
        ];
        if attributes
            .iter()
            .flatten()
            .any(|attr| too_similar(&lowered, attr))
        {
            return Err("The password is too similar to the username or email.".to_owned());
        }
        if COMMON_PASSWORDS.contains(lowered.as_str()) {
            return Err("This password is too common.".to_owned());
        }
        Ok(Self(raw.to_owned()))
    }

    /// The password, for hashing.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Consumes the password, for hashing on another thread.
    pub fn into_inner(self) -> String {
        self.0
    }
}

/// Django's `UserAttributeSimilarityValidator` idea: containment either way, or a
/// similarity ratio (2·LCS / total length) of 0.7 or more.
fn too_similar(password: &str, attribute: &str) -> bool {
    if attribute.chars().count() < 3 {
        return false;
    }
    if password.contains(attribute) || attribute.contains(password) {
        return true;
    }
    let a: Vec<char> = password.chars().collect();
    let b: Vec<char> = attribute.chars().collect();
    let mut prev = vec![0usize; b.len() + 1];
    for x in &a {
        let mut cur = vec![0usize; b.len() + 1];
        for (j, y) in b.iter().enumerate() {
            cur[j + 1] = if x == y {
                prev[j] + 1
            } else {
                cur[j].max(prev[j + 1])
            };
        }
        prev = cur;
    }
    let lcs = prev[b.len()];
    (2 * lcs) as f64 / (a.len() + b.len()) as f64 >= 0.7
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_follow_the_seed_regex() {
        assert!(Username::parse("john.doe+1@x").is_ok());
        assert!(Username::parse("  ").is_err());
        assert!(Username::parse("john doe").is_err());
        assert!(Username::parse(&"a".repeat(151)).is_err());
    }

    #[test]
    fn emails_are_lowercased_and_checked() {
        assert_eq!(
            Email::parse("John@Email.COM").unwrap().as_str(),
            "john@email.com"
        );
        for bad in [
            "john",
            "john@",
            "@x.com",
            "a b@x.com",
            "john@x",
            "j..d@x.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn phones_are_normalised() {
        assert_eq!(
            Phone::parse("+91 98765-43210").unwrap().as_str(),
            "+919876543210"
        );
        assert_eq!(Phone::parse("9876543210").unwrap().as_str(), "9876543210");
        assert!(Phone::parse("12345").is_err());
        assert!(Phone::parse("+1234567890123456").is_err());
        assert!(Phone::parse("98765x43210").is_err());
    }

    #[test]
    fn password_policy_reports_every_missing_class() {
        let err = Password::parse("short", None, None).unwrap_err();
        for part in ["8 characters", "uppercase", "digit", "special"] {
            assert!(err.contains(part), "{err}");
        }
        assert!(Password::parse("StrongPass123!", Some("john"), Some("john@email.com")).is_ok());
    }

    #[test]
    fn password_similar_to_identity_or_common_is_refused() {
        assert!(Password::parse("Johnsmith1!", Some("johnsmith"), None).is_err());
        assert!(Password::parse("Alice@Example1", None, Some("alice@example.com")).is_err());
        assert!(
            Password::parse("P@ssw0rd", None, None)
                .unwrap_err()
                .contains("common")
        );
    }
}
