using System.Reflection;
using Cortex.Mcp.Fast.ServerSentEvents;

namespace Cortex.Mcp.Fast.Tests.ServerSentEvents;

/// <summary>DESIGN.md §2: the SSE parser knows no HTTP type, so every transport can reuse it.</summary>
public sealed class SseNamespaceDependencyTests
{
    private const BindingFlags All =
        BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    [Fact]
    public void ServerSentEventsNamespace_ReferencesNoSystemNetHttpType()
    {
        Type[] types = typeof(SseEventReader).Assembly.GetTypes()
            .Where(t => t.Namespace == typeof(SseEventReader).Namespace)
            .ToArray();
        Assert.Contains(typeof(SseEventReader), types);
        Assert.True(types.Length >= 8, "The scan should see the internal types too.");

        var offenders = new List<string>();
        foreach (Type type in types)
        {
            foreach ((string where, Type used) in Uses(type))
            {
                if (Flatten(used).Any(t => t.Namespace?.StartsWith("System.Net.Http", StringComparison.Ordinal) == true))
                {
                    offenders.Add($"{type.FullName}.{where}: {used}");
                }
            }
        }

        Assert.Empty(offenders);
    }

    private static IEnumerable<(string Where, Type Used)> Uses(Type type)
    {
        if (type.BaseType is not null)
        {
            yield return ("base", type.BaseType);
        }

        foreach (Type i in type.GetInterfaces())
        {
            yield return ("interface", i);
        }

        foreach (FieldInfo f in type.GetFields(All))
        {
            yield return (f.Name, f.FieldType);
        }

        foreach (PropertyInfo p in type.GetProperties(All))
        {
            yield return (p.Name, p.PropertyType);
        }

        foreach (MethodBase m in type.GetMethods(All).Cast<MethodBase>().Concat(type.GetConstructors(All)))
        {
            if (m is MethodInfo mi)
            {
                yield return (m.Name, mi.ReturnType);
            }

            foreach (ParameterInfo p in m.GetParameters())
            {
                yield return ($"{m.Name}({p.Name})", p.ParameterType);
            }

            foreach (LocalVariableInfo local in m.GetMethodBody()?.LocalVariables ?? [])
            {
                yield return ($"{m.Name} local", local.LocalType);
            }
        }
    }

    private static IEnumerable<Type> Flatten(Type type)
    {
        yield return type;
        if (type.HasElementType && type.GetElementType() is { } element)
        {
            foreach (Type t in Flatten(element))
            {
                yield return t;
            }
        }

        if (type.IsGenericType)
        {
            foreach (Type t in type.GetGenericArguments().SelectMany(Flatten))
            {
                yield return t;
            }
        }
    }
}
