using Google.Protobuf;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace MailFlow.Backend.Hosting;

/// <summary>
/// Grpc.AspNetCore decodes a request before any interceptor or handler sees it, and answers a decoding failure
/// (a string field that is not UTF-8, a truncated message) with UNKNOWN "Exception was thrown by handler" and an
/// error-level stack trace in the log. A service bound through <see cref="Bind"/> decodes with request marshallers
/// that answer INVALID_ARGUMENT naming the problem instead, for every method (unary and streaming alike).
/// </summary>
internal static class UndecodableRequests
{
    /// <summary>
    /// The service definition that <paramref name="bindService"/> (a generated <c>BindService(binder, impl)</c>)
    /// describes, its request marshallers wrapped and its handlers run through <paramref name="interceptor"/> when
    /// given (after decoding, as Grpc.AspNetCore runs them); map it with <c>MapGrpcService(definition)</c>.
    /// </summary>
    public static ServerServiceDefinition Bind(Action<ServiceBinderBase> bindService, Interceptor? interceptor = null)
    {
        ArgumentNullException.ThrowIfNull(bindService);
        var builder = ServerServiceDefinition.CreateBuilder();
        bindService(new Binder(builder, interceptor));
        return builder.Build();
    }

    private static Method<TRequest, TResponse> Decoding<TRequest, TResponse>(Method<TRequest, TResponse> method)
        where TRequest : class
        where TResponse : class
    {
        var requests = method.RequestMarshaller;
        var name = method.FullName;
        var decoding = new Marshaller<TRequest>(requests.ContextualSerializer, context =>
        {
            try
            {
                return requests.ContextualDeserializer(context);
            }
            catch (InvalidProtocolBufferException e)
            {
                // Google.Protobuf's messages name the problem ("String is invalid UTF-8.", "... truncated ...").
                throw Invalid(name, e.Message);
            }
        });
        return new Method<TRequest, TResponse>(method.Type, method.ServiceName, method.Name, decoding, method.ResponseMarshaller);
    }

    private static RpcException Invalid(string method, string reason) =>
        new(new Status(StatusCode.InvalidArgument, $"the request to {method} is not a valid protobuf message: {reason}"));

    private sealed class Binder(ServerServiceDefinition.Builder builder, Interceptor? interceptor) : ServiceBinderBase
    {
        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler)
        {
            ArgumentNullException.ThrowIfNull(handler);
            builder.AddMethod(Decoding(method), interceptor is null ? handler : (request, context) => interceptor.UnaryServerHandler(request, context, handler));
        }

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler)
        {
            ArgumentNullException.ThrowIfNull(handler);
            builder.AddMethod(Decoding(method), interceptor is null ? handler : (requests, context) => interceptor.ClientStreamingServerHandler(requests, context, handler));
        }

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler)
        {
            ArgumentNullException.ThrowIfNull(handler);
            builder.AddMethod(Decoding(method), interceptor is null ? handler : (request, responses, context) => interceptor.ServerStreamingServerHandler(request, responses, context, handler));
        }

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler)
        {
            ArgumentNullException.ThrowIfNull(handler);
            builder.AddMethod(Decoding(method), interceptor is null ? handler : (requests, responses, context) => interceptor.DuplexStreamingServerHandler(requests, responses, context, handler));
        }
    }
}
