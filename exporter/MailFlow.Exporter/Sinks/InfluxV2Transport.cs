using System.Net.Sockets;
using System.Text;
using InfluxDB.Client;
using InfluxDB.Client.Api.Domain;
using InfluxDB.Client.Core.Exceptions;
using InfluxDB.Client.Core.Flux.Domain;
using MailFlow.Exporter.Rollups;

namespace MailFlow.Exporter.Sinks;

/// <summary>
/// The v2 write API through InfluxDB.Client: <c>POST /api/v2/write?org=&amp;bucket=&amp;precision=s</c> with
/// <c>Authorization: Token</c> and line protocol. InfluxDB 2.x, 3.x and 1.8+; 1.6/1.7 answer 404.
/// </summary>
public sealed class InfluxV2Transport : IInfluxTransport
{
    private readonly InfluxOptions _options;
    private readonly InfluxDBClient _client;
    private readonly WriteApiAsync _write;

    public InfluxV2Transport(InfluxOptions options)
    {
        _options = options;
        var clientOptions = new InfluxDBClientOptions(options.Url)
        {
            Token = options.ResolveToken(),
            Org = options.Org,
            Bucket = options.Bucket,
            Timeout = options.Timeout,
        };
        if (string.IsNullOrEmpty(clientOptions.Token) && !string.IsNullOrEmpty(options.Username))
        {
            clientOptions.Username = options.Username;
            clientOptions.Password = options.Password;
        }

        _client = new InfluxDBClient(clientOptions);
        if (options.Gzip)
        {
            _client.EnableGzip();
        }

        _write = _client.GetWriteApiAsync();
        Description = $"InfluxDB v2 API at {options.Url}, org {options.Org}, bucket {options.Bucket}";
    }

    /// <inheritdoc/>
    public string Description { get; }

    /// <inheritdoc/>
    public async Task EnsureTargetAsync(CancellationToken cancellationToken)
    {
        if (!_options.CreateDatabase)
        {
            return;
        }

        try
        {
            var buckets = _client.GetBucketsApi();
            if (await buckets.FindBucketByNameAsync(_options.Bucket, cancellationToken).ConfigureAwait(false) is not null)
            {
                return;
            }

            var orgs = await _client.GetOrganizationsApi().FindOrganizationsAsync(org: _options.Org, cancellationToken: cancellationToken).ConfigureAwait(false);
            var org = orgs.FirstOrDefault(o => o.Name == _options.Org || o.Id == _options.Org);
            if (org is null)
            {
                CreateBucketRefused = $"organisation {_options.Org} not found; bucket {_options.Bucket} not created";
                return;
            }

            await buckets.CreateBucketAsync(_options.Bucket, org.Id, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (Classify(e, cancellationToken) is { } failure)
        {
            if (failure.Retryable)
            {
                throw failure;
            }

            // Tokens scoped to writing one bucket may not list or create buckets: writes will tell.
            CreateBucketRefused = failure.Message;
        }
    }

    /// <summary>Set when <see cref="EnsureTargetAsync"/> could not check or create the bucket (not fatal).</summary>
    public string? CreateBucketRefused { get; private set; }

    /// <inheritdoc/>
    public async Task WriteAsync(ReadOnlyMemory<byte> lineProtocol, CancellationToken cancellationToken)
    {
        // The client takes text; one string per batch, not per line.
        var body = Encoding.UTF8.GetString(lineProtocol.Span).TrimEnd('\n');
        try
        {
            await _write.WriteRecordAsync(body, WritePrecision.S, _options.Bucket, _options.Org, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (Classify(e, cancellationToken) is { } failure)
        {
            throw failure;
        }
    }

    /// <inheritdoc/>
    public async Task<long> RollupAsync(RollupStep step, IReadOnlyList<RollupSpan> spans, CancellationToken cancellationToken)
    {
        if (spans.Count == 0)
        {
            return 0;
        }

        // v2 has no SELECT ... INTO: a Flux script aggregates and writes back with to(), inside the server.
        var flux = RollupQueries.Flux(step, spans, _options.Bucket!, _options.Org!);
        List<FluxTable> tables;
        try
        {
            tables = await _client.GetQueryApi().QueryAsync(flux, _options.Org, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (Classify(e, cancellationToken) is { } failure)
        {
            throw failure;
        }

        long written = 0;
        foreach (var record in tables.SelectMany(t => t.Records))
        {
            if (record.GetValueByKey("result") is string name && name.StartsWith('w') && record.GetValue() is { } value)
            {
                written += Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return written;
    }

    public void Dispose() => _client.Dispose();

    private InfluxWriteException? Classify(Exception e, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return null;
        }

        switch (e)
        {
            case HttpException http when http.Status is > 0:
                var status = http.Status;
                var hint = status == 404 ? " (this server has no v2 API, e.g. InfluxDB 1.6/1.7: use --influx-api v1)" : "";
                return new InfluxWriteException($"{Description}: HTTP {status}: {http.Message}{hint}", InfluxWriteException.IsRetryableStatus(status), status, e);
            case HttpException http:
                return new InfluxWriteException($"{Description}: cannot reach the server ({http.InnerException?.Message ?? http.Message})", true, null, e);
            case HttpRequestException or IOException or SocketException or TaskCanceledException or TimeoutException:
                return new InfluxWriteException($"{Description}: cannot reach the server ({e.Message})", true, null, e);
            default:
                return null;
        }
    }
}
