using System.ComponentModel;

namespace NextStat.Kernels;

/// <summary>Argument checks of generated kernels, with messages that name the kernel and its parameters.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class KernelGuard
{
    /// <summary>
    /// Throws an <see cref="ArgumentException"/> for <paramref name="parameter"/> unless its length equals the length of
    /// <paramref name="reference"/>, the kernel's first span.
    /// </summary>
    public static void SameLength(string kernel, string reference, int referenceLength, string parameter, int length)
    {
        if (length != referenceLength)
        {
            Throw(kernel, reference, referenceLength, parameter, length);
        }
    }

    private static void Throw(string kernel, string reference, int referenceLength, string parameter, int length) =>
        throw new ArgumentException(
            $"Kernel '{kernel}': span '{parameter}' has length {length} but span '{reference}' has length {referenceLength}; every span of one call must have the same length.",
            parameter);
}
