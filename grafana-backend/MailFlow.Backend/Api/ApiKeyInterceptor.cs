using System.Security.Cryptography;
using System.Text;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace MailFlow.Backend.Api;

/// <summary>
/// Requires the metadata header <c>x-api-key</c> to equal the configured key on every call of the public service
/// (health and reflection stay open, so probes and grpcurl discovery work). Compared in constant time.
/// </summary>
public sealed class ApiKeyInterceptor : Interceptor
{
    /// <summary>The metadata header carrying the key.</summary>
    public const string Header = "x-api-key";

    private readonly byte[]? _expected;

    public ApiKeyInterceptor(ApiKeyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _expected = string.IsNullOrEmpty(options.Key) ? null : Encoding.UTF8.GetBytes(options.Key);
    }

    /// <inheritdoc />
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(continuation);
        Check(context);
        return continuation(request, context);
    }

    private void Check(ServerCallContext context)
    {
        if (_expected is null)
        {
            return;
        }

        var given = context.RequestHeaders.GetValue(Header);
        if (string.IsNullOrEmpty(given))
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, $"this server requires an API key: send it in the '{Header}' metadata header"));
        }

        if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), _expected))
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, $"the API key in '{Header}' is not the one this server was started with"));
        }
    }
}

/// <summary>The API key the public service requires; null or empty = none (allowed on loopback only).</summary>
public sealed class ApiKeyOptions
{
    /// <summary>The key. Never logged.</summary>
    public string? Key { get; set; }
}
