//! The monthly bulletin's facts as they are frozen.

use rectify_core::bulletin::BulletinFacts;
use rectify_core::dispatch::AsOf;
use rectify_exact::date::Date;
use rectify_io::air::city::CityDays;
use rectify_io::bulletin::environment::{AirYear, WaterYear, air_year, span, water_year};
use rectify_store::{Store, StoreError};

/// The month's facts as of `as_of` (`AsOf::for_period`) from the ledger with the
/// environmental-target section, ready to freeze.
pub async fn facts_for(store: &Store, as_of: AsOf) -> Result<BulletinFacts, StoreError> {
    Ok(facts_and_environment(store, as_of).await?.0)
}

/// [`facts_for`] with the environment's figures its paragraphs were written from.
pub async fn facts_and_environment(
    store: &Store,
    as_of: AsOf,
) -> Result<(BulletinFacts, Environment), StoreError> {
    let mut facts = store.bulletin_facts(as_of).await?;
    let environment = environment_figures(store, as_of.date).await?;
    facts.environment = environment.paragraphs();
    Ok((facts, environment))
}

/// The city's air and surface water against the year's targets, as of `through` (each from
/// 1 January of its year to `through` or the last data before it): what the bulletin, the
/// cockpit and the province's overview print.
#[derive(Default)]
pub struct Environment {
    pub air: Option<AirYear>,
    pub water: Option<WaterYear>,
}

impl Environment {
    /// The bulletin's paragraphs: air, then surface water; empty without data.
    pub fn paragraphs(&self) -> Vec<String> {
        let air = self.air.as_ref().map(AirYear::paragraph);
        let water = self.water.as_ref().map(WaterYear::paragraph);
        air.into_iter().chain(water).collect()
    }
}

/// The environment as of `through` (see [`Environment`]).
pub async fn environment_figures(store: &Store, through: Date) -> Result<Environment, StoreError> {
    let mut found = Environment::default();
    // Air reaches back a year: the same span last year is what 两降一增 compares with.
    if let Some((from, to)) = span(store.air_date_range().await?, through, 1) {
        let days = store
            .air_station_days(from, to, CityDays::default(), |days, day| days.push(&day))
            .await?;
        let targets = store.air_targets(through.year).await?;
        let units = store.org_units().await?;
        let home = rectify_store::org::home_city(&units).map(|u| u.name.as_str());
        found.air = air_year(days, home, &targets, to);
    }
    if let Some((from, to)) = span(store.water_date_range().await?, through, 0) {
        let sections = store.water_sections().await?;
        let samples = store.water_samples(from, to).await?;
        let targets = store.water_targets(through.year).await?;
        found.water = water_year(&sections, &samples, &targets, from, to);
    }
    Ok(found)
}

/// The environmental-target paragraphs as of `through`; empty without data.
pub async fn environment(store: &Store, through: Date) -> Result<Vec<String>, StoreError> {
    Ok(environment_figures(store, through).await?.paragraphs())
}
