using System.Text.Json.Serialization;

namespace Cortex.Mcp.Fast.Conformance;

/// <summary>The arguments of the tools_call scenario's <c>add_numbers</c> tool.</summary>
/// <param name="A">First number.</param>
/// <param name="B">Second number.</param>
internal sealed record AddNumbersArguments(double A, double B);

/// <summary>Source-generated JSON metadata for the typed calls: no reflection, safe under AOT and trimming.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(AddNumbersArguments))]
internal sealed partial class ConformanceJson : JsonSerializerContext;
