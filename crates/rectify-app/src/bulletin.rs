//! The monthly bulletin's facts as they are frozen.

use rectify_core::bulletin::BulletinFacts;
use rectify_core::dispatch::AsOf;
use rectify_exact::date::Date;
use rectify_io::bulletin::environment::{air, span, water};
use rectify_store::{Store, StoreError};

/// The month's facts as of `as_of` (`AsOf::for_period`) from the ledger with the
/// environmental-target section, ready to freeze.
pub async fn facts_for(store: &Store, as_of: AsOf) -> Result<BulletinFacts, StoreError> {
    let mut facts = store.bulletin_facts(as_of).await?;
    facts.environment = environment(store, as_of.date).await?;
    Ok(facts)
}

/// The environmental-target paragraphs as of `through` (air, then surface water, each from
/// 1 January of its year to `through` or the last data before it); empty without data.
pub async fn environment(store: &Store, through: Date) -> Result<Vec<String>, StoreError> {
    let mut paragraphs = Vec::new();
    // Air reaches back a year: the same span last year is what 两降一增 compares with.
    if let Some((from, to)) = span(store.air_date_range().await?, through, 1) {
        let stored = store.air_station_days(from, to).await?;
        let targets = store.air_targets(through.year).await?;
        paragraphs.extend(air(stored, &targets, to));
    }
    if let Some((from, to)) = span(store.water_date_range().await?, through, 0) {
        let sections = store.water_sections().await?;
        let samples = store.water_samples(from, to).await?;
        let targets = store.water_targets(through.year).await?;
        paragraphs.extend(water(&sections, &samples, &targets, from, to));
    }
    Ok(paragraphs)
}
