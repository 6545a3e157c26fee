/**
 * Each connector declares the OCSF classes its normalizer emits (`ocsfClasses`): Security Lake
 * needs one custom source per class, and the registration command prints one per declared class.
 * The declaration must be exact: a class emitted but not declared would reach no registered
 * source, a class declared but never emitted would register a source that stays empty.
 */
import { describe, expect, it } from '@jest/globals';
import { CONNECTORS } from '../../functions/registry.ts';
import { generatedEvents } from '../../local/emulators/generated-records.ts';
import type { Vendor } from '../../shared/config.ts';
import { OcsfClass } from '../../shared/ocsf-classes.ts';

const VENDORS = Object.keys(CONNECTORS) as Vendor[];

describe('Connector.ocsfClasses', () => {
  it.each(VENDORS)('%s: declares exactly the classes of 3000 generated records of every documented shape', (vendor) => {
    // Prepare
    const declared = (CONNECTORS[vendor]?.ocsfClasses ?? []).map((name) => OcsfClass[name].uid);

    // Act
    const emitted = new Set(generatedEvents(vendor, 3000, 19).map((e) => e.class_uid));

    // Assess
    expect([...emitted].sort()).toEqual([...new Set(declared)].sort());
  });
});
