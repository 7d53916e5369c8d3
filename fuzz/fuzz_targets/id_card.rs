//! Citizen ID numbers from untrusted text: parsing never panics, and what
//! parses re-parses to itself.
#![no_main]

use dangjian_domain::member::IdCardNo;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data)
        && let Ok(id) = IdCardNo::parse(s)
    {
        let again = IdCardNo::parse(id.as_str()).expect("a parsed number re-parses");
        assert_eq!(again.as_str(), id.as_str());
    }
});
