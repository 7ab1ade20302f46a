//! Generated organisation names for the benchmark's customers, and the misspellings partners type,
//! so that the conflict matcher works as hard as in real life. Deterministic: the i-th is always the same.

use domain::directory::Segment;
use domain::directory::customers::Customer;

/// Deterministic pseudo-random numbers (xorshift64*), so every run loads the same data.
pub(super) struct Rng(pub(super) u64);

impl Rng {
    pub(super) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub(super) fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

pub(super) const SYLLABLES: &[&str] = &[
    "an", "bel", "cor", "dan", "el", "fal", "gar", "hol", "ish", "jor", "kel", "lan", "mar", "nor", "ol", "pen",
    "quin", "ros", "sal", "tor", "ul", "ven", "wes", "xan", "yor", "zel", "bri", "cla", "dro", "fen",
];
pub(super) const KINDS: &[(&str, Segment)] = &[
    ("School District", Segment::Education),
    ("Unified School District", Segment::Education),
    ("Community College", Segment::Education),
    ("University", Segment::Education),
    ("Public Library", Segment::Government),
    ("County Government", Segment::Government),
    ("Regional Hospital", Segment::Commercial),
    ("Medical Center", Segment::Commercial),
    ("Logistics Inc.", Segment::Commercial),
    ("Industries LLC", Segment::Commercial),
    ("Academy", Segment::Education),
    ("Manufacturing GmbH", Segment::Commercial),
];

pub(super) fn word(rng: &mut Rng, syllables: usize) -> String {
    let mut w: String = (0..syllables).map(|_| SYLLABLES[rng.below(SYLLABLES.len())]).collect();
    if let Some(first) = w.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    w
}

/// The `index`-th synthetic organisation: the same index always gives the same customer.
pub(super) fn organisation(index: usize) -> Customer {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ (index as u64).wrapping_mul(0x1000_0000_01b3));
    let (kind, segment) = KINDS[rng.below(KINDS.len())];
    let name = format!("{} {} {kind}", word(&mut rng, 3), word(&mut rng, 2));
    let domain = (rng.below(2) == 0).then(|| format!("org{index}.example"));
    let city = word(&mut rng, 2);
    Customer {
        name,
        domain,
        tax_id: None,
        city: Some(city),
        postal_code: Some(format!("{:05}", rng.below(99_999))),
        country: "US".into(),
        segment,
    }
}

/// How a partner would misspell the same organisation: abbreviated kind, one letter dropped.
pub(super) fn variant(customer: &Customer) -> Customer {
    let name = customer
        .name
        .replace("School District", "Sch. Dist.")
        .replace("University", "Univ.")
        .replace("Medical Center", "Med. Ctr.");
    let mut chars: Vec<char> = name.chars().collect();
    if chars.len() > 6 {
        chars.remove(3);
    }
    Customer {
        name: chars.into_iter().collect(),
        domain: None,
        ..customer.clone()
    }
}
