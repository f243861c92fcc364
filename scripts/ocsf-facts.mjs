// Writes test/fixtures/ocsf/ocsf-1.2.0.json: what the OCSF 1.2.0 schema requires of the classes
// vnetflow exports (Network Activity 4001, Detection Finding 2004) and of the objects they hold,
// and the type and allowed values of every attribute, read from a clone of ocsf/ocsf-schema.
// The tests validate exported events against it; nothing at run time reads it.
// Usage: node scripts/ocsf-facts.mjs PATH-TO-ocsf-schema-CLONE [REF]   (REF default v1.2.0)
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';

const [repo, ref = 'refs/tags/v1.2.0'] = process.argv.slice(2);
if (!repo) throw new Error('usage: node scripts/ocsf-facts.mjs PATH-TO-ocsf-schema-CLONE [REF]');
const show = (p) =>
  JSON.parse(execFileSync('git', ['-C', repo, 'show', `${ref}:${p}`], { encoding: 'utf8' }));
const dictionary = show('dictionary.json').attributes;
const categories = show('categories.json').attributes;

/** A class or object with what it inherits (extends and $include), attributes merged. */
function resolve(kind, name, seen = new Set()) {
  const file = kind === 'event' ? EVENT_FILES[name] : `objects/${name}.json`;
  const d = show(file);
  let attributes = {};
  if (d.extends && !seen.has(d.extends)) {
    seen.add(d.extends);
    attributes = resolve(kind, d.extends, seen).attributes;
  }
  // Later definitions refine earlier ones field by field (an include may add only an enum).
  const merge = (defs) => {
    for (const [k, v] of Object.entries(defs ?? {})) {
      if (k === '$include') for (const inc of [].concat(v)) merge(show(inc).attributes);
      else attributes[k] = { ...(attributes[k] ?? {}), ...v };
    }
  };
  merge(d.attributes);
  // The profiles vnetflow declares in metadata.profiles (cloud comes through base_event's includes).
  for (const p of d.profiles ?? [])
    if (p === 'security_control') merge(show(`profiles/${p}.json`).attributes);
  return { uid: d.uid, category: d.category, attributes };
}
const EVENT_FILES = {
  base_event: 'events/base_event.json',
  network: 'events/network/network.json',
  network_activity: 'events/network/network_activity.json',
  finding: 'events/findings/finding.json',
  detection_finding: 'events/findings/detection_finding.json',
};
const describe = (attributes) =>
  Object.fromEntries(
    Object.entries(attributes).map(([k, v]) => {
      const dict = dictionary[k] ?? {};
      // The classification ids are set per class by the schema's tooling (the test checks them
      // against class_uid and category_uid below); the include's own enum lists only 0.
      const enumValues = ['category_uid', 'class_uid', 'type_uid'].includes(k)
        ? undefined
        : (v.enum ?? dict.enum);
      // A scalar's type ends in _t; any other type names an object.
      const type = v.type ?? dict.type ?? null;
      const object =
        v.object_type ??
        dict.object_type ??
        (type && !type.endsWith('_t') && type !== 'object' ? type : null);
      return [
        k,
        {
          type: object ? 'object' : type,
          object,
          array: Boolean(v.is_array ?? dict.is_array),
          requirement: v.requirement ?? 'optional',
          ...(enumValues ? { enum: Object.keys(enumValues).map(Number) } : {}),
        },
      ];
    }),
  );
const classes = {};
for (const name of ['network_activity', 'detection_finding']) {
  const c = resolve('event', name);
  const category = categories[c.category];
  classes[name] = {
    class_uid: category.uid * 1000 + c.uid,
    category_uid: category.uid,
    attributes: describe(c.attributes),
  };
}
const objects = {};
const pending = new Set(
  Object.values(classes).flatMap((c) =>
    Object.values(c.attributes)
      .map((a) => a.object)
      .filter(Boolean),
  ),
);
for (const name of pending) {
  if (objects[name]) continue;
  try {
    objects[name] = describe(resolve('object', name).attributes);
  } catch {
    continue; // an object type without a file of its own
  }
  for (const a of Object.values(objects[name])) if (a.object && !objects[a.object]) pending.add(a.object);
}
const types = Object.fromEntries(
  Object.entries(show('dictionary.json').types.attributes).map(([k, v]) => [k, v.type ?? k]),
);
writeFileSync(
  'test/fixtures/ocsf/ocsf-1.2.0.json',
  JSON.stringify({ source: `github.com/ocsf/ocsf-schema ${ref}`, classes, objects, types }, null, 1) + '\n',
);
console.log(`classes ${Object.keys(classes).join(', ')}; ${Object.keys(objects).length} objects`);
