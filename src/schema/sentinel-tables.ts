import { azureRowColumns } from './azure-columns.js';
import { col, type Column, type ColumnType, type TableDef } from './column.js';

/** A documented column the loaded feeds cannot fill: always empty (null for non-strings). */
const empty = (name: string, type: ColumnType): Column => col(name, type, 'Not in the loaded feeds: empty.');

/**
 * ThreatIntelIndicators as Microsoft Sentinel holds it today: one STIX 2.1 indicator per row, the
 * observable split into ObservableKey (`ipv4-addr:value`, `ipv6-addr:value`, `domain-name:value`)
 * and ObservableValue, the whole object in Data. A view over ThreatIntelFeed.
 */
export const threatIntelIndicators: TableDef = {
  name: 'ThreatIntelIndicators',
  doc: 'Sentinel STIX indicators: one row per loaded threat-intel indicator.',
  columns: [
    col('TimeGenerated', 'TIMESTAMP', 'When the feed was loaded.'),
    col('Id', 'VARCHAR', 'The STIX id, indicator--<uuid> (stable for an indicator and its feed).'),
    col('ObservableKey', 'VARCHAR', 'ipv4-addr:value, ipv6-addr:value or domain-name:value.'),
    col('ObservableValue', 'VARCHAR', 'The address, CIDR range or domain name.'),
    col('Pattern', 'VARCHAR', "The STIX pattern, [ipv4-addr:value = '203.0.113.7']."),
    col('Confidence', 'INTEGER', '0..100, when the feed gives one.'),
    col('Created', 'TIMESTAMP', 'ValidFrom, else when the feed was loaded.'),
    col('Modified', 'TIMESTAMP', 'When the feed was loaded.'),
    col('ValidFrom', 'TIMESTAMP', 'Start of validity, else when the feed was loaded.'),
    col('ValidUntil', 'TIMESTAMP', 'End of validity; null when the feed gives none.'),
    col('IsActive', 'BOOLEAN', 'true: an indicator is active unless revoked (expiry is ValidUntil).'),
    col('IsDeleted', 'BOOLEAN', 'false.'),
    col('Revoked', 'BOOLEAN', 'false.'),
    col('Source', 'VARCHAR', 'The feed (file) it came from.'),
    col('LastUpdateMethod', 'VARCHAR', "'vnetflow'."),
    col('Tags', 'VARCHAR', 'The threat type, as a JSON array of strings.'),
    col('AdditionalFields', 'JSON', 'Sentinel additions: {"TLPLevel": ""} (feeds give no TLP).'),
    col(
      'Data',
      'JSON',
      'The STIX object: type, spec_version, id, created, modified, name, description, pattern, pattern_type, valid_from, valid_until, confidence, labels, indicator_types.',
    ),
    empty('AzureTenantId', 'VARCHAR'),
    empty('WorkspaceId', 'VARCHAR'),
    ...azureRowColumns('ThreatIntelIndicators'),
  ],
};

/**
 * ThreatIntelligenceIndicator, Sentinel's legacy table (Graph tiIndicator fields), which older
 * rules and workbooks read: an IP indicator in NetworkIP, a CIDR in NetworkCidrBlock, a domain in
 * DomainName. A view over ThreatIntelFeed.
 */
export const threatIntelligenceIndicator: TableDef = {
  name: 'ThreatIntelligenceIndicator',
  doc: 'Sentinel legacy threat-intel indicators: one row per loaded indicator.',
  columns: [
    col('TimeGenerated', 'TIMESTAMP', 'When the feed was loaded.'),
    col('IndicatorId', 'VARCHAR', 'A stable id for the indicator and its feed.'),
    col('ExternalIndicatorId', 'VARCHAR', 'The indicator itself, as the feed gives it.'),
    col('IndicatorProvider', 'VARCHAR', 'The feed (file) it came from.'),
    col('SourceSystem', 'VARCHAR', "'vnetflow'."),
    col('Action', 'VARCHAR', "'alert'."),
    col('Active', 'BOOLEAN', 'true: active unless revoked (expiry is ExpirationDateTime).'),
    col('ConfidenceScore', 'DOUBLE', '0..100, when the feed gives one.'),
    col('Description', 'VARCHAR', 'What the feed says about it.'),
    col(
      'ExpirationDateTime',
      'TIMESTAMP',
      'End of validity; 9999-12-31 when the feed gives none (it never expires).',
    ),
    col('ThreatType', 'VARCHAR', 'Botnet, C2, Malware, ...'),
    col('Tags', 'VARCHAR', 'The threat type, as a JSON array of strings.'),
    col('TrafficLightProtocolLevel', 'VARCHAR', 'Feeds give no TLP: empty.'),
    col('NetworkIP', 'VARCHAR', 'An IP indicator.'),
    col('NetworkCidrBlock', 'VARCHAR', 'A CIDR indicator.'),
    col('DomainName', 'VARCHAR', 'A domain indicator.'),
    empty('NetworkSourceIP', 'VARCHAR'),
    empty('NetworkDestinationIP', 'VARCHAR'),
    empty('NetworkSourceCidrBlock', 'VARCHAR'),
    empty('NetworkDestinationCidrBlock', 'VARCHAR'),
    empty('NetworkPort', 'INTEGER'),
    empty('NetworkSourcePort', 'INTEGER'),
    empty('NetworkDestinationPort', 'INTEGER'),
    empty('NetworkProtocol', 'INTEGER'),
    empty('NetworkSourceAsn', 'INTEGER'),
    empty('NetworkDestinationAsn', 'INTEGER'),
    empty('Url', 'VARCHAR'),
    empty('EmailSourceIpAddress', 'VARCHAR'),
    empty('EmailSenderAddress', 'VARCHAR'),
    empty('EmailSenderName', 'VARCHAR'),
    empty('EmailRecipient', 'VARCHAR'),
    empty('EmailSubject', 'VARCHAR'),
    empty('EmailSourceDomain', 'VARCHAR'),
    empty('EmailEncoding', 'VARCHAR'),
    empty('EmailLanguage', 'VARCHAR'),
    empty('EmailXMailer', 'VARCHAR'),
    empty('FileHashType', 'VARCHAR'),
    empty('FileHashValue', 'VARCHAR'),
    empty('FileName', 'VARCHAR'),
    empty('FilePath', 'VARCHAR'),
    empty('FileSize', 'INTEGER'),
    empty('FileType', 'VARCHAR'),
    empty('FileMutexName', 'VARCHAR'),
    empty('FilePacker', 'VARCHAR'),
    empty('FileCompileDateTime', 'TIMESTAMP'),
    empty('FileCreatedDateTime', 'TIMESTAMP'),
    empty('UserAgent', 'VARCHAR'),
    empty('ActivityGroupNames', 'VARCHAR'),
    empty('AdditionalInformation', 'VARCHAR'),
    empty('DiamondModel', 'VARCHAR'),
    empty('KillChainActions', 'BOOLEAN'),
    empty('KillChainC2', 'BOOLEAN'),
    empty('KillChainDelivery', 'BOOLEAN'),
    empty('KillChainExploitation', 'BOOLEAN'),
    empty('KillChainReconnaissance', 'BOOLEAN'),
    empty('KillChainWeaponization', 'BOOLEAN'),
    empty('KnownFalsePositives', 'VARCHAR'),
    empty('MalwareNames', 'VARCHAR'),
    empty('PassiveOnly', 'BOOLEAN'),
    empty('ThreatSeverity', 'INTEGER'),
    col('TenantId', 'VARCHAR', 'Empty (no Log Analytics workspace).'),
    col('Type', 'VARCHAR', "'ThreatIntelligenceIndicator'."),
  ],
};
