using SkiaSharp;

namespace NextStat.Cli.Tests;

/// <summary>
/// What a PNG plot holds, checked the way a reader would see it: a real PNG of the expected size whose pixels show
/// text and lines (dark ink) and coloured series, not a blank canvas.
/// </summary>
internal sealed record PngInk(double DarkFraction, double ColouredFraction)
{
    private static readonly byte[] Signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    public static PngInk Read(string path, int width, int height)
    {
        byte[] bytes = File.ReadAllBytes(path);
        Assert.Equal(Signature, bytes[..8]);
        // The first chunk is IHDR: its width and height are big-endian at bytes 16 and 20.
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(bytes, 12, 4));
        Assert.Equal(width, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)));
        Assert.Equal(height, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20)));
        // A blank canvas of this size compresses to a few kB; a plot with text takes tens of kB.
        Assert.InRange(bytes.Length, 10_000, 2_000_000);

        using SKBitmap bitmap = SKBitmap.Decode(bytes) ?? throw new InvalidDataException($"{path} does not decode as an image");
        // An opaque white page, so the black text stays readable in any viewer.
        Assert.Equal(SKColors.White, bitmap.GetPixel(0, 0));
        Assert.Equal(SKColors.White, bitmap.GetPixel(bitmap.Width - 1, bitmap.Height - 1));
        int dark = 0, coloured = 0;
        foreach (SKColor pixel in bitmap.Pixels)
        {
            int max = Math.Max(pixel.Red, Math.Max(pixel.Green, pixel.Blue));
            int min = Math.Min(pixel.Red, Math.Min(pixel.Green, pixel.Blue));
            if (max < 128)
            {
                dark++;
            }
            if (max - min > 96)
            {
                coloured++;
            }
        }
        double pixels = (double)bitmap.Width * bitmap.Height;
        return new PngInk(dark / pixels, coloured / pixels);
    }
}
