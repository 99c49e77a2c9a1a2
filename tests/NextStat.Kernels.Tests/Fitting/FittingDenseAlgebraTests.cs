using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using NextStat.Kernels.Fitting;
using Xunit;

namespace NextStat.Kernels.Tests.Fitting;

/// <summary>The minimizer's vectorised dense algebra against plain scalar loops.</summary>
public class FittingDenseAlgebraTests
{
    /// <summary>Every length 0…70 covers the four-vector loop, the single-vector loop and each scalar tail.</summary>
    [Property(MaxTest = 60)]
    public Property DotAndScaledAdditionsMatchScalarLoops() =>
        Prop.ForAll(Arb.From(Gen.Choose(0, 70).SelectMany(n => Gen.Choose(-1000, 1000).ArrayOf(3 * n).Select(v => (n, v)))), sample =>
        {
            var (n, values) = sample;
            double[] a = [.. values.Take(n).Select(v => v / 7.0)];
            double[] b = [.. values.Skip(n).Take(n).Select(v => v / 11.0)];
            double[] c = [.. values.Skip(2 * n).Select(v => v / 13.0)];
            double dot = 0;
            double scale = 0;
            for (int i = 0; i < n; i++)
            {
                dot += a[i] * b[i];
                scale += Math.Abs(a[i] * b[i]);
            }

            Assert.Equal(dot, DenseCholesky.Dot(a, b), (1e-15 * scale) + 1e-300);
            double[] y = (double[])c.Clone();
            DenseCholesky.AddScaled(y, 0.5, a);
            double[] z = (double[])c.Clone();
            DenseCholesky.AddScaled(z, 0.5, a, -2.0, b);
            for (int i = 0; i < n; i++)
            {
                Assert.Equal(c[i] + (0.5 * a[i]), y[i], 1e-15 * (Math.Abs(c[i]) + Math.Abs(a[i])));
                Assert.Equal(c[i] + (0.5 * a[i]) - (2.0 * b[i]), z[i], 1e-15 * (Math.Abs(c[i]) + Math.Abs(a[i]) + (2 * Math.Abs(b[i]))));
            }
        });

    /// <summary>Random symmetric positive definite matrices (condition up to ~1e4): A·A⁻¹ = I, A·x = b, exact symmetry.</summary>
    [Property(MaxTest = 40)]
    public Property CholeskyInverseAndSolveInvertRandomPositiveDefiniteMatrices() =>
        Prop.ForAll(Arb.From(Gen.Choose(1, 40).SelectMany(m => Gen.Choose(-1000, 1000).ArrayOf((m * m) + (2 * m)).Select(v => (m, v)))), sample =>
        {
            var (m, values) = sample;
            // A = X·Xᵀ/m + D with D from 1e-2 to 1e2.
            double[] a = new double[m * m];
            for (int i = 0; i < m; i++)
            {
                for (int j = 0; j < m; j++)
                {
                    double sum = 0;
                    for (int k = 0; k < m; k++)
                    {
                        sum += values[(i * m) + k] * values[(j * m) + k] / 1e6;
                    }

                    a[(i * m) + j] = (sum / m) + (i == j ? Math.Pow(10, (values[(m * m) + i] / 500.0)) : 0);
                }
            }

            double[] factor = (double[])a.Clone();
            Assert.True(DenseCholesky.Factor(factor, m));
            double[] inverse = new double[m * m];
            DenseCholesky.Invert(factor, m, inverse, new double[m * m]);
            double[] rhs = [.. values.Skip((m * m) + m).Take(m).Select(v => v / 100.0)];
            double[] x = (double[])rhs.Clone();
            DenseCholesky.Solve(factor, m, x);
            for (int i = 0; i < m; i++)
            {
                double residual = rhs[i];
                for (int k = 0; k < m; k++)
                {
                    residual -= a[(i * m) + k] * x[k];
                }

                Assert.True(Math.Abs(residual) <= 1e-9 * (1 + Math.Abs(rhs[i])), $"residual {residual}");
                for (int j = 0; j < m; j++)
                {
                    Assert.Equal(inverse[(i * m) + j], inverse[(j * m) + i]);
                    double product = 0;
                    for (int k = 0; k < m; k++)
                    {
                        product += a[(i * m) + k] * inverse[(k * m) + j];
                    }

                    Assert.Equal(i == j ? 1.0 : 0.0, product, 1e-9);
                }
            }
        });

    [Fact]
    public void FactorRejectsMatricesThatAreNotPositiveDefinite()
    {
        Assert.False(DenseCholesky.Factor(new double[] { 1, 2, 2, 1 }, 2));
        Assert.False(DenseCholesky.Factor(new double[] { 0 }, 1));
        Assert.False(DenseCholesky.Factor(new double[] { double.NaN }, 1));
    }
}
