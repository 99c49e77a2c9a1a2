using System.Numerics;
using Xunit;

namespace NextStat.Kernels.Tests;

/// <summary>Re-derives the constants of KernelMath's tables with the independent big-integer reference.</summary>
public class KernelMathTableTests
{
    [Fact]
    public void LogTableHoldsExactMultiplesOf2PowMinus43WithinTwoPowMinus68OfLnC()
    {
        ReadOnlySpan<KernelMath.LogEntry> table = KernelMath.LogEntries;
        Assert.Equal(128, table.Length);
        for (int i = 0; i < table.Length; i++)
        {
            double invc = table[i].InvC;
            double logc = table[i].LogC;

            // k·ln2_hi + ln c is exact only if ln c sits on the 2^-43 grid.
            double scaled = Math.ScaleB(logc, 43);
            Assert.Equal(Math.Round(scaled), scaled);

            // |ln c − (−ln(1/c))| < 2^-68, in units of 2^-300.
            KernelMathReference.Exact lnInvc = KernelMathReference.Log(invc);
            BigInteger logcScaled = new BigInteger(scaled) << (lnInvc.Exponent * -1 - 43);
            BigInteger residual = BigInteger.Abs(logcScaled + lnInvc.Mantissa);
            Assert.True(residual < (BigInteger.One << (300 - 68)), $"entry {i}: |ln c + ln(1/c)| too large");

            // Entry i serves the reduced mantissas z whose top 7 mantissa bits are i: [1 + i/128, 1 + (i + 1)/128) for
            // i < 47, half that (below 1) from 47 on. Except for the two c = 1 entries next to 1, c is near the centre
            // (|r| < 0.00387); every r stays inside the polynomial's range [−2^-8, 2^-7].
            double scale = i < 47 ? 1.0 : 0.5;
            double rLow = ((1.0 + (i / 128.0)) * scale * invc) - 1;
            double rHigh = ((1.0 + ((i + 1) / 128.0)) * scale * invc) - 1;
            Assert.True(rLow >= -0.00390625 && rHigh <= 0.0078125, $"entry {i}: r outside the polynomial's range");
            Assert.True(invc == 1.0 || (Math.Abs(rLow) < 0.00387 && Math.Abs(rHigh) < 0.00387), $"entry {i} is off-centre");
        }

        // The sub-intervals meeting at 1, [1 − 2^-8, 1) and [1, 1 + 2^-7), have c = 1 exactly: ln x near 1 loses no
        // relative accuracy and its reduced argument is exact.
        Assert.Equal(1.0, table[0].InvC);
        Assert.Equal(0.0, table[0].LogC);
        Assert.Equal(1.0, table[127].InvC);
        Assert.Equal(0.0, table[127].LogC);
    }

    [Fact]
    public void ExpTableHoldsTwoToTheJOver128WithItsRoundingTail()
    {
        ReadOnlySpan<KernelMath.ExpEntry> table = KernelMath.ExpEntries;
        Assert.Equal(128, table.Length);
        for (int j = 0; j < table.Length; j++)
        {
            ulong bits = table[j].ScaleBits + ((ulong)j << 45);
            double s = BitConverter.UInt64BitsToDouble(bits);
            Assert.InRange(s, 1.0, 2.0);

            // v = s·(1 + tail) in units of 2^-300 (the tail's exponent is far above -248), then v^128 = 2^j·(1 + ε)
            // with |ε| < 2^-90, i.e. v = 2^(j/128) within about 2^-97 relative.
            long mantissa = (long)(bits & 0xFFFFFFFFFFFFFUL) | (1L << 52);
            int tailExponent = Math.ILogB(table[j].Tail) - 52;
            long tailMantissa = (long)Math.ScaleB(table[j].Tail, -tailExponent);
            Assert.Equal(table[j].Tail, Math.ScaleB(tailMantissa, tailExponent));
            BigInteger v = (new BigInteger(mantissa) << (300 - 52)) + (new BigInteger(mantissa) * tailMantissa << (300 - 52 + tailExponent));
            BigInteger power = BigInteger.Pow(v, 128);
            BigInteger target = BigInteger.One << (j + (300 * 128));
            BigInteger difference = BigInteger.Abs(power - target);
            Assert.True(difference.IsZero || difference.GetBitLength() < j + (300 * 128) - 90, $"entry {j}: 2^(j/128) off by 2^{(long)difference.GetBitLength() - j - (300 * 128)}");

            // The tail is what s misses: without it the same check fails for every j > 0 (s alone is only 2^-53 close).
            BigInteger withoutTail = BigInteger.Abs(BigInteger.Pow(new BigInteger(mantissa) << (300 - 52), 128) - target);
            Assert.True(j == 0 || withoutTail.GetBitLength() > j + (300 * 128) - 60, $"entry {j}: the tail carries nothing");
        }
    }
}
