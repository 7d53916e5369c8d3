-- Each period judged by the rules in force then (issue 11, item 12): every
-- profile version takes effect on a day (生效日期, `YYYY-MM-DD`) and stays
-- in force until the next version's day; the version in force on a day is
-- the one with the latest effective_from not after it (ties: the higher
-- version number). The first version (the built-in default) takes effect
-- from the beginning (1921-07-01). Versions stored before this migration
-- were applied to every period from their upload on, so each later one
-- takes effect on the day it was uploaded (its created_at date, UTC).
-- `active` keeps meaning "the newest upload"; which version is in force is
-- decided by the dates.
ALTER TABLE policy_profiles ADD COLUMN effective_from TEXT NOT NULL DEFAULT '1921-07-01';
-- Why a version was made to take effect before the day it was uploaded
-- (追溯适用); empty for every other version.
ALTER TABLE policy_profiles ADD COLUMN retroactive_reason TEXT NOT NULL DEFAULT '';
UPDATE policy_profiles SET effective_from = substr(created_at, 1, 10)
    WHERE version > (SELECT MIN(version) FROM policy_profiles);
CREATE INDEX policy_profiles_effective ON policy_profiles(effective_from, version);
