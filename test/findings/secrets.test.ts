import { describe, expect, it } from 'vitest';
import { classifySecret, secretTargetFromText } from '../../src/findings/index.js';

describe('secret classification', () => {
  it('from Trivy and other scanners rule ids', () => {
    const cases: Array<[string, string]> = [
      ['private-key', 'sshPrivateKey'],
      ['ssh-private-key', 'sshPrivateKey'],
      ['AsymmetricPrivateKey', 'sshPrivateKey'],
      ['azure-storage-account-key', 'storageAccountKey'],
      ['AzureStorageAccountKey', 'storageAccountKey'],
      ['azure-storage-connection-string', 'storageConnectionString'],
      ['AzureStorageConnectionString', 'storageConnectionString'],
      ['azure-sas-token', 'sasToken'],
      ['azure-sql-connection-string', 'sqlConnectionString'],
      ['mssql-connection-string', 'sqlConnectionString'],
      ['postgres-connection-string', 'postgresConnectionString'],
      ['azure-postgresql-password', 'postgresConnectionString'],
      ['mysql-connection-string', 'mysqlConnectionString'],
      ['azure-cosmosdb-connection-string', 'cosmosConnectionString'],
      ['aws-access-key-id', 'other'],
      ['github-pat', 'other'],
      ['generic-api-key', 'other'],
    ];
    for (const [rule, type] of cases) expect([rule, classifySecret([rule], undefined)]).toEqual([rule, type]);
  });

  it('the matched text decides when it is recognisable', () => {
    const cases: Array<[string, string]> = [
      ['-----BEGIN OPENSSH PRIVATE KEY-----*****', 'sshPrivateKey'],
      ['-----BEGIN RSA PRIVATE KEY-----*****', 'sshPrivateKey'],
      ['DefaultEndpointsProtocol=https;AccountName=stapp;AccountKey=*****;EndpointSuffix=core.windows.net', 'storageConnectionString'],
      ['BlobEndpoint=https://stapp.blob.core.windows.net/;SharedAccessSignature=sv=2022-11-02&sig=*****', 'storageConnectionString'],
      ['https://stapp.blob.core.windows.net/c?sv=2022-11-02&ss=b&sp=r&sig=*****', 'sasToken'],
      ['Server=tcp:sql-app.database.windows.net,1433;Initial Catalog=db;Password=*****', 'sqlConnectionString'],
      ['Data Source=sql-app.database.windows.net;User ID=a;Password=*****', 'sqlConnectionString'],
      ['host=psql-app.postgres.database.azure.com port=5432 password=*****', 'postgresConnectionString'],
      ['Server=mysql-app.mysql.database.azure.com;Uid=a;Pwd=*****', 'mysqlConnectionString'],
      ['AccountEndpoint=https://cosmos-app.documents.azure.com:443/;AccountKey=*****;', 'cosmosConnectionString'],
    ];
    for (const [text, type] of cases) expect([text, classifySecret(['generic-api-key'], text)]).toEqual([text, type]);
  });

  it('targets from redacted text', () => {
    expect(secretTargetFromText('DefaultEndpointsProtocol=https;AccountName=stpaymentsprod01;AccountKey=*****')).toBe('stpaymentsprod01');
    expect(secretTargetFromText('"Server=tcp:sql-payments-prod.database.windows.net,1433;Initial Catalog=x"')).toBe('sql-payments-prod.database.windows.net');
    expect(secretTargetFromText('Server=SQL-Pay.database.windows.net;')).toBe('sql-pay.database.windows.net');
    expect(secretTargetFromText('https://stexports.blob.core.windows.net/out?sv=2022-11-02&sig=***')).toBe('stexports');
    expect(secretTargetFromText('postgresql://u:***@psql-x.postgres.database.azure.com:5432/db')).toBe('psql-x.postgres.database.azure.com');
    expect(secretTargetFromText('AccountEndpoint=https://cosmos-x.documents.azure.com:443/;AccountKey=***')).toBe('cosmos-x.documents.azure.com');
    expect(secretTargetFromText('-----BEGIN OPENSSH PRIVATE KEY-----***')).toBeUndefined();
    expect(secretTargetFromText(undefined)).toBeUndefined();
  });
});
