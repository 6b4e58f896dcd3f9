//! 统一社会信用代码 (GB 32100-2015): 18 characters from 31 (digits and capitals without I, O, S,
//! V, Z), the last a check character over the first 17.

use serde::{Deserialize, Serialize};
use std::fmt;

const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CreditCode(String);

impl CreditCode {
    /// Accepts the code with surrounding spaces and lower-case letters; refuses a wrong length,
    /// a character outside the alphabet, or a wrong check character, saying which.
    pub fn parse(text: &str) -> Result<CreditCode, String> {
        let code = text.trim().to_ascii_uppercase();
        let values: Vec<u32> = code
            .bytes()
            .map(|b| ALPHABET.iter().position(|a| *a == b).map(|v| v as u32))
            .collect::<Option<_>>()
            .ok_or_else(|| {
                format!(
                    "统一社会信用代码“{}”含有不允许的字符（I、O、S、V、Z 不用）",
                    text.trim()
                )
            })?;
        if values.len() != 18 {
            return Err(format!(
                "统一社会信用代码应为18位，“{}”为{}位",
                text.trim(),
                values.len()
            ));
        }
        let sum: u32 = values.iter().zip(WEIGHTS).map(|(v, w)| v * w).sum();
        let check = (31 - sum % 31) % 31;
        if values[17] != check {
            return Err(format!(
                "统一社会信用代码“{code}”校验位应为“{}”",
                char::from(ALPHABET[check as usize])
            ));
        }
        Ok(CreditCode(code))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for CreditCode {
    type Error = String;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        CreditCode::parse(&text)
    }
}

impl From<CreditCode> for String {
    fn from(code: CreditCode) -> String {
        code.0
    }
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_standards_example_and_a_published_code_check_out() {
        // The example in GB 32100-2015, and a company's code as published on its licence.
        for code in ["91350100M000100Y43", "91440300708461136T"] {
            assert_eq!(CreditCode::parse(code).unwrap().as_str(), code);
        }
        assert_eq!(
            CreditCode::parse(" 91440300708461136t ").unwrap().as_str(),
            "91440300708461136T"
        );
    }

    #[test]
    fn wrong_codes_say_what_is_wrong() {
        assert!(
            CreditCode::parse("91350100M000100Y44")
                .unwrap_err()
                .contains("校验位应为“3”")
        );
        assert!(
            CreditCode::parse("91350100M000100Y4")
                .unwrap_err()
                .contains("为17位")
        );
        assert!(
            CreditCode::parse("91350100M0001O0Y43")
                .unwrap_err()
                .contains("不允许的字符")
        );
    }
}
