#if !NET9_0_OR_GREATER
// MemoryExtensions.Split(ReadOnlySpan<T>, T) — the allocation-free range enumerator — arrived in .NET 9. On net8.0
// this extension (namespace System, like MemoryExtensions, so no using is needed) gives `foreach (var range in
// span.Split(sep))` the same ranges: every segment between separators, empty ones included, and one empty range for
// an empty span.
namespace System;

/// <summary>The net8.0 stand-in for .NET 9's single-separator <c>MemoryExtensions.Split</c>.</summary>
internal static class SpanSplitPolyfill
{
    /// <summary>The ranges of <paramref name="source"/> between occurrences of <paramref name="separator"/>.</summary>
    public static SpanSplitEnumerator<T> Split<T>(this ReadOnlySpan<T> source, T separator)
        where T : IEquatable<T> => new(source, separator);

    /// <summary>Enumerates the segment ranges; a <c>foreach</c> target.</summary>
    internal ref struct SpanSplitEnumerator<T>
        where T : IEquatable<T>
    {
        private readonly ReadOnlySpan<T> _source;
        private readonly T _separator;
        private int _next;          // where the next segment starts; past the end once the last one was given

        internal SpanSplitEnumerator(ReadOnlySpan<T> source, T separator)
        {
            _source = source;
            _separator = separator;
        }

        /// <summary>The current segment's range in the source.</summary>
        public Range Current { get; private set; }

        /// <summary>The enumerator itself (the <c>foreach</c> pattern).</summary>
        public readonly SpanSplitEnumerator<T> GetEnumerator() => this;

        /// <summary>Moves to the next segment.</summary>
        public bool MoveNext()
        {
            if (_next > _source.Length)
            {
                return false;
            }

            var length = _source[_next..].IndexOf(_separator);
            var end = length < 0 ? _source.Length : _next + length;
            Current = _next..end;
            _next = end + 1;
            return true;
        }
    }
}
#endif
