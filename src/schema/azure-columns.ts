import type { Column } from './column.js';

/**
 * The columns every Log Analytics row carries, as vnetflow fills them: `SourceSystem` 'Azure'
 * (Azure's value for diagnostic and Traffic Analytics rows), `TenantId` empty (it names a Log
 * Analytics workspace, and there is none), `Type` the table's name. Published queries project
 * them (`| project ..., Type`), so they exist; they are stored as defaults.
 */
export function azureRowColumns(table: string): Column[] {
  return [
    { name: 'SourceSystem', type: 'VARCHAR', doc: "'Azure'.", default: "'Azure'" },
    {
      name: 'TenantId',
      type: 'VARCHAR',
      doc: 'The Log Analytics workspace in Azure; empty here (there is none).',
      default: "''",
    },
    { name: 'Type', type: 'VARCHAR', doc: `The table's name, '${table}'.`, default: `'${table}'` },
  ];
}
